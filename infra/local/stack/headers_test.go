package stack_test

import (
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
)

// Finding 8 of issue 13: the local stack serves the site with the template's
// security headers (the same policy, local origins in connect-src), and every
// API response, refusals and unknown routes included, says nosniff and
// no-store.
func TestSecurityHeaders(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	token := env.Token(t, "moi.hr")
	for _, tc := range []struct {
		path, token string
		status      int
		fn          bool // answered by a function (not the gateway itself)
	}{
		{"/", "", 200, false},
		{"/js/app.js", "", 200, false},
		{"/style.css", "", 200, false},
		{"/api/me", token, 200, true},
		{"/api/me", "", 401, false},               // the gateway's own refusal
		{"/api/members", token, 403, true},        // the Guard's
		{"/api/no-such-route", token, 404, false}, // the gateway: no route
		{"/api/front/classes", "", 200, true},     // an open route
	} {
		r := env.Do(t, "GET", tc.path, tc.token, nil)
		if r.Status != tc.status {
			t.Errorf("GET %s: %d, want %d", tc.path, r.Status, tc.status)
		}
		want := map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}
		if tc.fn {
			want["Cache-Control"] = "no-store"
		}
		for k, v := range want {
			if got := r.Header.Values(k); len(got) != 1 || got[0] != v {
				t.Errorf("GET %s: %s %q, want %q", tc.path, k, got, v)
			}
		}
		csp := r.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "connect-src 'self' "+env.S3URL) || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: Content-Security-Policy %q", tc.path, csp)
		}
		if !strings.HasPrefix(r.Header.Get("Strict-Transport-Security"), "max-age=") {
			t.Errorf("GET %s: no Strict-Transport-Security", tc.path)
		}
	}
}
