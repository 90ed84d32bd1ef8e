package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/registry"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"gopkg.in/yaml.v3"
)

const templatePath = "../../../template.yaml"

func loadTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := LoadTemplate(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// Every function of the template has a Go handler and a functions/<dir>, a
// build target, and no handler or directory exists without a function.
func TestTemplateFunctionsHaveHandlers(t *testing.T) {
	tpl := loadTemplate(t)
	makefile, err := os.ReadFile("../../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for id, f := range tpl.Functions {
		spec, ok := registry.Functions[id]
		if !ok {
			t.Errorf("template function %s has no handler in shared/registry.Functions", id)
			continue
		}
		if _, err := os.Stat(filepath.Join("../../../functions", spec.Dir, "main.go")); err != nil {
			t.Errorf("%s: functions/%s/main.go: %v", id, spec.Dir, err)
		}
		if f.CodeURI != "." {
			t.Errorf("%s: CodeUri %q; the makefile build needs the module root", id, f.CodeURI)
		}
		if !strings.Contains(string(makefile), "dir_"+id+" := "+spec.Dir+"\n") {
			t.Errorf("%s: the Makefile has no dir_%s := %s for its build-%s target", id, id, spec.Dir, id)
		}
	}
	for id := range registry.Functions {
		if _, ok := tpl.Functions[id]; !ok {
			t.Errorf("shared/lambdafn has a handler for %s, which template.yaml does not declare", id)
		}
	}
	dirs, _ := os.ReadDir("../../../functions")
	for _, d := range dirs {
		found := false
		for _, spec := range registry.Functions {
			found = found || spec.Dir == d.Name()
		}
		if d.IsDir() && !found {
			t.Errorf("functions/%s belongs to no template function", d.Name())
		}
	}
}

// Every variable a function reads is declared in Globals, so sam local
// --env-vars can override it.
func TestGlobalsDeclareEveryVariable(t *testing.T) {
	tpl := loadTemplate(t)
	for _, name := range []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords,
		settings.BucketUploads, settings.BucketExports, settings.DynamoDBEndpoint, settings.S3Endpoint,
		settings.SSOIssuer, settings.SSOAudience, settings.SigningKeyParam, settings.SigningKey,
		settings.FrontStageURL, settings.PasswordURL, settings.ELearnURL,
		settings.LambdaEndpoint, settings.LinkTTL} {
		if !slices.Contains(tpl.Env, name) {
			t.Errorf("Globals.Function.Environment.Variables lacks %s", name)
		}
	}
	// A function's own variable (one that would refer to the function itself
	// in Globals) is declared on that function.
	if tpl.Functions["ExportsFunction"].Env[settings.ExportWorker] == nil {
		t.Errorf("ExportsFunction does not declare %s", settings.ExportWorker)
	}
}

func TestMatch(t *testing.T) {
	routes := loadTemplate(t).Routes()
	tests := []struct {
		method, path, fn string
		open             bool
		params           map[string]string
	}{
		{"GET", "/api/health", "PlatformFunction", true, nil},
		{"POST", "/api/health", "", false, nil},
		{"POST", "/api/auth/stats/login", "IdentityFunction", true, nil},
		{"PUT", "/api/auth/stats/password", "IdentityFunction", false, map[string]string{"proxy": "stats/password"}},
		{"GET", "/api/auth/config", "IdentityFunction", true, nil},
		{"GET", "/api/me", "IdentityFunction", false, nil},
		{"PUT", "/api/me/agency", "IdentityFunction", false, map[string]string{"proxy": "agency"}},
		{"GET", "/api/members/a.b/audit", "IdentityFunction", false, map[string]string{"proxy": "a.b/audit"}},
		{"GET", "/api/home", "HomeFunction", false, nil},
		{"GET", "/api/homework", "", false, nil},
		{"GET", "/api/nothing", "", false, nil},
	}
	for _, tt := range tests {
		r, params, ok := Match(routes, tt.method, tt.path)
		if tt.fn == "" {
			if ok {
				t.Errorf("%s %s matched %+v, want no route", tt.method, tt.path, r)
			}
			continue
		}
		if !ok || r.Function != tt.fn || r.Open != tt.open {
			t.Errorf("%s %s = %+v, %v; want %s open=%v", tt.method, tt.path, r, ok, tt.fn, tt.open)
		}
		for k, v := range tt.params {
			if params[k] != v {
				t.Errorf("%s %s: param %s = %q, want %q", tt.method, tt.path, k, params[k], v)
			}
		}
	}
}

func TestCronSpec(t *testing.T) {
	tests := map[string]string{
		"cron(0 2 * * ? *)":        "0 2 * * *",
		"cron(30 6 ? * MON-FRI *)": "30 6 * * MON-FRI",
		"rate(5 minutes)":          "@every 5m",
		"rate(1 day)":              "@every 24h",
	}
	for in, want := range tests {
		if got, err := cronSpec(in); err != nil || got != want {
			t.Errorf("cronSpec(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"cron(0 2 * * ? 2027)", "cron(0 2 * * 1 *)", "cron(0 2 * *)", "at(2026-01-01T00:00:00)", "rate(2 weeks)"} {
		if _, err := cronSpec(bad); err == nil {
			t.Errorf("cronSpec(%q) accepted", bad)
		}
	}
	// The template's own schedules all convert, in Asia/Taipei.
	for _, f := range loadTemplate(t).Functions {
		for _, s := range f.Schedules {
			if _, err := cronSpec(s.Expression); err != nil || s.Timezone != "Asia/Taipei" {
				t.Errorf("schedule %s: %v, timezone %q", s.Name, err, s.Timezone)
			}
		}
	}
}

// Finding 8 of issue 13: neither the site nor the API sent security headers,
// and the uploads bucket allowed any origin.
func TestSiteHeadersPolicy(t *testing.T) {
	tpl := loadTemplate(t)
	h, err := tpl.SiteHeaders(Resolver{Params: tpl.Params, Pseudo: map[string]string{"AWS::StackName": "s",
		"AWS::AccountId": "1", "AWS::Region": "r"}}, map[string]string{"UploadsOrigin": "https://up", "SsoOrigin": "https://sso"})
	if err != nil {
		t.Fatal(err)
	}
	csp := map[string][]string{}
	for _, d := range strings.Split(h.Get("Content-Security-Policy"), ";") {
		if f := strings.Fields(d); len(f) > 0 {
			csp[f[0]] = f[1:]
		}
	}
	for _, tc := range []struct {
		directive string
		want      []string
	}{
		{"default-src", []string{"'self'"}},
		{"script-src", []string{"'self'"}}, // no inline script, no eval, no other host
		{"style-src", []string{"'self'"}},
		{"object-src", []string{"'none'"}},
		{"base-uri", []string{"'none'"}},
		{"frame-ancestors", []string{"'none'"}},
		{"connect-src", []string{"'self'", "https://up", "https://sso"}},
	} {
		if !slices.Equal(csp[tc.directive], tc.want) {
			t.Errorf("CSP %s %v, want %v (policy %q)", tc.directive, csp[tc.directive], tc.want, h.Get("Content-Security-Policy"))
		}
	}
	hsts := h.Get("Strict-Transport-Security")
	var age int
	if _, err := fmt.Sscanf(hsts, "max-age=%d", &age); err != nil || age < 31536000 || !strings.Contains(hsts, "includeSubDomains") {
		t.Errorf("Strict-Transport-Security %q: want at least a year, subdomains included", hsts)
	}
	for k, want := range map[string]string{"Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"} {
		if got := h.Get(k); got != want {
			t.Errorf("%s %q, want %q", k, got, want)
		}
	}

	// The policy is on every behaviour of the distribution, and the uploads
	// bucket takes browser uploads from the site's origin only.
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	res := get(doc.Content[0], "Resources")
	cfg := get(res, "SiteDistribution", "Properties", "DistributionConfig")
	behaviours := append([]*yaml.Node{get(cfg, "DefaultCacheBehavior")}, seq(get(cfg, "CacheBehaviors"))...)
	for i, b := range behaviours {
		if n := get(b, "ResponseHeadersPolicyId"); n == nil || n.Tag != "!Ref" || n.Value != "SiteHeadersPolicy" {
			t.Errorf("cache behaviour %d (%s) lacks ResponseHeadersPolicyId: !Ref SiteHeadersPolicy", i, scalar(get(b, "PathPattern")))
		}
	}
	for _, rule := range seq(get(res, "UploadsBucket", "Properties", "CorsConfiguration", "CorsRules")) {
		origins := seq(get(rule, "AllowedOrigins"))
		if len(origins) != 1 || origins[0].Tag != "!If" || !strings.Contains(string(raw), `!Sub "https://${SiteDistribution.DomainName}"`) {
			t.Errorf("uploads bucket CORS origins: want only the site's origin (SiteOrigin or the distribution's domain)")
		}
		for _, o := range origins {
			if o.Value == "*" {
				t.Error("uploads bucket CORS allows any origin")
			}
		}
	}
}
