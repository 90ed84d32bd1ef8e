package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestCursor(t *testing.T) {
	tests := []struct {
		name, next, want string
		ok               bool
	}{
		{"first page", "", "", true},
		{"round trip", NextCursor("2026#A123#中文"), "2026#A123#中文", true},
		{"not base64", "***", "", false},
		{"a 2 KB key", base64.RawURLEncoding.EncodeToString([]byte(strings.Repeat("k", 2048))), "", false},
		{"NUL inside", base64.RawURLEncoding.EncodeToString([]byte("a\x00b")), "", false},
		{"not UTF-8", base64.RawURLEncoding.EncodeToString([]byte{0xff, 0xfe}), "", false},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/x?next="+tt.next, nil)
		got, err := Cursor(r)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%s: Cursor = %q, %v", tt.name, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "分頁參數") {
			t.Errorf("%s: message %v", tt.name, err)
		}
	}
}

// Parameters over their limits or holding control characters are refused
// before the handler runs, naming the parameter.
func TestServeChecksParams(t *testing.T) {
	h := Serve(func(r Router) {
		r.Handle("GET /api/things/{code}/{session}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}))
	})
	tests := []struct {
		target string
		status int
		field  string
	}{
		{"/api/things/ABC/1?name=%E7%8E%8B", 204, ""},
		{"/api/things/AB%00C/1", 400, "code"},
		{"/api/things/ABC/" + strings.Repeat("9", 3000), 400, "session"},
		{"/api/things/ABC/1?name=" + strings.Repeat("x", 4000), 400, "name"},
		{"/api/things/ABC/1?name=%1B%5B31m", 400, "name"},
		{"/api/things/ABC/1?next=" + strings.Repeat("A", 2000), 400, "next"},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tt.target, nil))
		var e struct{ Code, Message, Field string }
		_ = json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != tt.status || e.Field != tt.field {
			t.Errorf("%.60s: %d %s", tt.target, w.Code, w.Body)
		}
		if tt.status == 400 && (e.Code != "invalid_input" || !strings.Contains(e.Message, tt.field)) {
			t.Errorf("%.60s: %s", tt.target, w.Body)
		}
	}
}

// A NUL in a path parameter reaches the function decoded (the gateway's
// rawPath); the adapter could not build a URL from it and the function
// answered 500.
func TestProxyRefusesUnreadablePath(t *testing.T) {
	h := Proxy(Serve(func(r Router) {
		r.Handle("GET /api/members/{id}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			Encode(w, 200, map[string]string{"id": r.PathValue("id")})
		}))
	}))
	for path, want := range map[string]int{
		"/api/members/abc":    200,
		"/api/members/a\x00b": 400,
		"/api/members/a%zzb":  400,
		"/api/members/a\x1bb": 400,
	} {
		ev := events.APIGatewayV2HTTPRequest{RawPath: path, RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "example.org", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: path}}}
		resp, err := h(context.Background(), ev)
		if err != nil || resp.StatusCode != want {
			t.Errorf("%q: %d %v %s", path, resp.StatusCode, err, resp.Body)
			continue
		}
		if want == 400 && (!strings.Contains(resp.Body, `"invalid_input"`) || !strings.Contains(resp.Headers["Content-Type"], "json")) {
			t.Errorf("%q: %v %s", path, resp.Headers, resp.Body)
		}
	}
}
