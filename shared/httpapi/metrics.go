package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// The API's failed answers, counted per function and per function version as
// a CloudWatch embedded metric (EMF): a failed request is answered 500, not
// thrown, so Lambda's Errors metric stays near zero while a release fails.
// template.yaml's <Fn>5xxAlarm reads it, and its DeploymentPreference rolls
// a canary back on it.
const (
	MetricNamespace = "LifelongBackoffice/API"
	Metric5xx       = "Http5xx"
)

// metricsOut is where the metric lines go: Lambda sends standard output to
// the function's log group, where CloudWatch extracts them.
var (
	metricsOut io.Writer = os.Stdout
	metricsMu  sync.Mutex
)

// count5xx writes one EMF line for a 5xx answer. Outside Lambda (no function
// name: the local stack, tests) there is no CloudWatch to read it.
func count5xx(r *http.Request, status int) {
	fn := os.Getenv(settings.FunctionName)
	if fn == "" {
		return
	}
	line, _ := json.Marshal(map[string]any{
		"_aws": map[string]any{
			"Timestamp": time.Now().UnixMilli(),
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  MetricNamespace,
				"Dimensions": [][]string{{"FunctionName"}, {"FunctionName", "Version"}},
				"Metrics":    []any{map[string]string{"Name": Metric5xx, "Unit": "Count"}},
			}},
		},
		"FunctionName": fn,
		"Version":      os.Getenv(settings.FunctionVersion),
		Metric5xx:      1,
		"status":       status,
		"method":       r.Method,
		"path":         clip(r.URL.Path),
	})
	metricsMu.Lock()
	defer metricsMu.Unlock()
	_, _ = metricsOut.Write(append(line, '\n'))
}

// statusWriter remembers the status a handler answered.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// counted counts next's 5xx answers, a recovered panic's included.
func counted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status >= 500 {
			count5xx(r, sw.status)
		}
	})
}
