package stack

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// payloadLimit is Lambda's synchronous payload limit: files never go through the API.
const payloadLimit = 6 << 20

// gateway plays API Gateway (HTTP API, payload 2.0, $default stage): it picks
// the route the template declares, runs the Lambda authorizer unless the route
// is open, and invokes the function with the JSON event Lambda would get.
type gateway struct {
	routes     []Route
	handlers   map[string]lambda.Handler
	authorizer lambda.Handler
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, params, ok := Match(g.routes, r.Method, r.URL.Path)
	if !ok {
		gatewayError(w, http.StatusNotFound, "Not Found")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, payloadLimit+1))
	if err != nil {
		gatewayError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	if len(body) > payloadLimit {
		gatewayError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	ev := toEvent(r, route, params, body)
	if !route.Open {
		if r.Header.Get("Authorization") == "" { // the identity source is missing
			gatewayError(w, http.StatusUnauthorized, "Unauthorized")
			return
		}
		ctxMap, allowed, err := g.authorize(r.Context(), ev)
		if err != nil {
			slog.Error("authorizer failed", "err", err)
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		if !allowed {
			gatewayError(w, http.StatusForbidden, "Forbidden")
			return
		}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{Lambda: ctxMap}
	}
	g.invoke(w, r.Context(), route.Function, ev)
}

func (g *gateway) authorize(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (map[string]any, bool, error) {
	req := events.APIGatewayV2CustomAuthorizerV2Request{
		Version: "2.0", Type: "REQUEST", RouteArn: "arn:aws:execute-api:local:000000000000:local/$default/" + ev.RouteKey,
		IdentitySource: []string{ev.Headers["authorization"]}, RouteKey: ev.RouteKey, RawPath: ev.RawPath,
		RawQueryString: ev.RawQueryString, Cookies: ev.Cookies, Headers: ev.Headers,
		QueryStringParameters: ev.QueryStringParameters, PathParameters: ev.PathParameters,
		RequestContext: ev.RequestContext,
	}
	payload, _ := json.Marshal(req)
	out, err := g.authorizer.Invoke(ctx, payload)
	if err != nil {
		return nil, false, err
	}
	var resp events.APIGatewayV2CustomAuthorizerSimpleResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, false, err
	}
	return resp.Context, resp.IsAuthorized, nil
}

func (g *gateway) invoke(w http.ResponseWriter, ctx context.Context, fn string, ev events.APIGatewayV2HTTPRequest) {
	h, ok := g.handlers[fn]
	if !ok {
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	payload, _ := json.Marshal(ev)
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		slog.Error("function failed", "function", fn, "err", err)
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	if len(out) > payloadLimit {
		slog.Error("function response over the Lambda payload limit", "function", fn, "bytes", len(out))
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		slog.Error("function answered something other than a payload-2.0 response", "function", fn, "err", err)
		gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		w.Header().Del(k)
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	respBody := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if respBody, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			gatewayError(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// toEvent builds the payload-2.0 event of an HTTP request.
func toEvent(r *http.Request, route Route, params map[string]string, body []byte) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	var cookies []string
	for _, c := range r.Cookies() {
		cookies = append(cookies, c.String())
	}
	query := map[string]string{}
	for k, vs := range r.URL.Query() {
		query[k] = strings.Join(vs, ",")
	}
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	now := time.Now()
	routeKey := route.Method + " " + route.Path
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, QueryStringParameters: query, PathParameters: params,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, AccountID: "000000000000", Stage: "$default", APIID: "local",
			DomainName: r.Host, DomainPrefix: "local", RequestID: fmt.Sprintf("local-%d", now.UnixNano()),
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method: r.Method, Path: r.URL.Path, Protocol: r.Proto, SourceIP: ip, UserAgent: r.UserAgent()},
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// gatewayError answers as API Gateway does when no function ran: {"message": ...}.
func gatewayError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}
