package stack

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"gopkg.in/yaml.v3"
)

// SiteHeaders returns the security headers of the template's response headers
// policy, as CloudFront adds them to the site and the API. The
// Content-Security-Policy is a !Sub with a variable map (the origins the page
// may connect to besides its own: the uploads bucket for presigned PUTs, the
// SSO issuer for its discovery document); local gives those variables their
// local values, and everything else is the template's text as it is.
func (t *Template) SiteHeaders(res Resolver, local map[string]string) (http.Header, error) {
	if t.HeadersPolicy == nil {
		return nil, fmt.Errorf("template.yaml has no AWS::CloudFront::ResponseHeadersPolicy")
	}
	sec := get(t.HeadersPolicy, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")
	h := http.Header{}
	if n := get(sec, "ContentSecurityPolicy", "ContentSecurityPolicy"); n != nil {
		csp, err := subList(res, n, local)
		if err != nil {
			return nil, fmt.Errorf("ContentSecurityPolicy: %w", err)
		}
		h.Set("Content-Security-Policy", csp)
	}
	if n := get(sec, "StrictTransportSecurity"); n != nil {
		v := "max-age=" + scalar(get(n, "AccessControlMaxAgeSec"))
		if b, _ := strconv.ParseBool(scalar(get(n, "IncludeSubdomains"))); b {
			v += "; includeSubDomains"
		}
		if b, _ := strconv.ParseBool(scalar(get(n, "Preload"))); b {
			v += "; preload"
		}
		h.Set("Strict-Transport-Security", v)
	}
	if n := get(sec, "ReferrerPolicy", "ReferrerPolicy"); n != nil {
		h.Set("Referrer-Policy", scalar(n))
	}
	if get(sec, "ContentTypeOptions") != nil {
		h.Set("X-Content-Type-Options", "nosniff")
	}
	if n := get(sec, "FrameOptions", "FrameOption"); n != nil {
		h.Set("X-Frame-Options", scalar(n))
	}
	return h, nil
}

// subList evaluates a !Sub: a plain one through res, the [text, variables]
// form with each variable taken from local.
func subList(res Resolver, n *yaml.Node, local map[string]string) (string, error) {
	if n.Tag != "!Sub" || n.Kind != yaml.SequenceNode || len(n.Content) != 2 {
		return res.Resolve(n)
	}
	vars := Resolver{Params: map[string]string{}, Resources: map[string]string{}, Pseudo: res.Pseudo}
	for k, v := range res.Params {
		vars.Params[k] = v
	}
	for _, p := range pairs(n.Content[1]) {
		v, ok := local[p.key]
		if !ok {
			return "", fmt.Errorf("no local value for ${%s}", p.key)
		}
		vars.Resources[p.key] = v
	}
	text := *n.Content[0]
	text.Tag = "!Sub"
	return vars.Resolve(&text)
}

// origin is the scheme and host of a URL (a CSP source).
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return raw
	}
	return u.Scheme + "://" + u.Host
}
