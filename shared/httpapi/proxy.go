package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Proxy adapts h to API Gateway's payload 2.0. The adapter builds the
// request's URL from the event's path as the gateway decoded it, so a NUL
// (%00), another control character or a stray % in a path parameter made the
// conversion fail and the function answer 500; such a request is answered
// here with a 400 in the API's error shape instead.
func Proxy(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		path := ev.RawPath
		if path == "" {
			path = ev.RequestContext.HTTP.Path
		}
		if _, err := url.Parse("https://host" + path + "?" + ev.RawQueryString); err != nil {
			w := core.NewProxyResponseWriterV2()
			r := (&http.Request{Method: ev.RequestContext.HTTP.Method, URL: &url.URL{Path: "(unreadable path)"}, Header: http.Header{}}).WithContext(ctx)
			Error(w, r, &errcode.Error{Code: errcode.Invalid, Field: "path", Message: "網址含有不允許的字元（例如控制字元），請檢查後再試。", Err: err})
			return w.GetProxyResponse()
		}
		return adapter.ProxyWithContext(ctx, ev)
	}
}

// OriginHeader is the header CloudFront adds to every request it sends to the
// API origin (template.yaml, OriginVerifySecret).
const OriginHeader = "X-Origin-Verify"

// RequireOrigin answers 403 to a request that does not carry secret in
// OriginHeader: one that reached the execute-api host directly, around the
// edge's WAF rules and throttles. The comparison takes the same time
// whatever the header holds.
func RequireOrigin(secret string, next func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	want := []byte(secret)
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got := ev.Headers[strings.ToLower(OriginHeader)] // payload 2.0 lower-cases header names
		if subtle.ConstantTimeCompare([]byte(got), want) == 1 {
			return next(ctx, ev)
		}
		w := core.NewProxyResponseWriterV2()
		r := (&http.Request{Method: ev.RequestContext.HTTP.Method, URL: &url.URL{Path: ev.RawPath}, Header: http.Header{}}).WithContext(ctx)
		Error(w, r, errcode.New(errcode.Forbidden, "請經由本網站的網址存取。"))
		return w.GetProxyResponse()
	}
}
