package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// Every 5xx answer, a panic's included, is one EMF line counting Http5xx per
// function and version; other answers write none.
func TestFailedAnswersAreCounted(t *testing.T) {
	t.Setenv(settings.FunctionName, "lifelong-prod-Reports")
	t.Setenv(settings.FunctionVersion, "7")
	var out bytes.Buffer
	was := metricsOut
	metricsOut = &out
	t.Cleanup(func() { metricsOut = was })
	h := Serve(func(r Router) {
		r.Handle("GET /ok", HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { Encode(w, 200, "ok"); return nil }))
		r.Handle("GET /refused", HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return errcode.New(errcode.Invalid, "x") }))
		r.Handle("GET /failed", HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return errors.New("boom") }))
		r.Handle("GET /panic", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") }))
	})
	for _, tt := range []struct {
		path  string
		lines int
	}{{"/ok", 0}, {"/refused", 0}, {"/nowhere", 0}, {"/failed", 1}, {"/panic", 1}} {
		out.Reset()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tt.path, nil))
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if out.Len() == 0 {
			lines = nil
		}
		if len(lines) != tt.lines {
			t.Errorf("%s: %d metric lines, want %d: %s", tt.path, len(lines), tt.lines, out.String())
			continue
		}
		for _, l := range lines {
			var m struct {
				AWS struct {
					CloudWatchMetrics []struct {
						Namespace  string
						Dimensions [][]string
						Metrics    []struct{ Name string }
					}
				} `json:"_aws"`
				FunctionName, Version string
				Count                 float64 `json:"Http5xx"`
			}
			if err := json.Unmarshal([]byte(l), &m); err != nil || len(m.AWS.CloudWatchMetrics) != 1 {
				t.Fatalf("%s: not an EMF line (%v): %s", tt.path, err, l)
			}
			d := m.AWS.CloudWatchMetrics[0]
			if d.Namespace != MetricNamespace || d.Metrics[0].Name != Metric5xx || m.Count != 1 ||
				m.FunctionName != "lifelong-prod-Reports" || m.Version != "7" || len(d.Dimensions) != 2 {
				t.Errorf("%s: %s", tt.path, l)
			}
		}
	}
}
