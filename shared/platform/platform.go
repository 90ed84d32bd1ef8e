// Package platform serves what belongs to the system rather than a feature:
// the health check and the OpenAPI document of every route.
package platform

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/openapi"
)

// Probe checks one dependency; Name says what it is ("DynamoDB 資料表 Directory").
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Server is the platform function.
type Server struct {
	Probes  []Probe
	Timeout time.Duration
}

// NewServer returns the platform function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// Routes is every route of the platform function (the OpenAPI test lists them).
func (s *Server) Routes(r httpapi.Router) {
	r.Handle("GET /api/health", http.HandlerFunc(s.handleHealth))
	r.Handle("GET /api/openapi.json", http.HandlerFunc(handleOpenAPI))
}

type check struct {
	Name  string `json:"name"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"` // what an anonymous caller may know; the cause goes to the log
}

// publicReason says what is wrong without the AWS error text, which names the
// account, roles and resources (the health check needs no token).
func publicReason(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "逾時未回應"
	}
	return "無法存取"
}

// handleHealth answers 200 when every dependency answers, else 503 naming
// what is down. Probes run in parallel under one timeout.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	results := make([]check, len(s.Probes))
	var wg sync.WaitGroup
	for i, p := range s.Probes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = check{Name: p.Name, OK: true}
			if err := p.Check(ctx); err != nil {
				slog.ErrorContext(ctx, "health check failed", "dependency", p.Name, "err", err)
				results[i] = check{Name: p.Name, Error: publicReason(err)}
			}
		}()
	}
	wg.Wait()
	status, down := http.StatusOK, []string{}
	for _, c := range results {
		if !c.OK {
			status = http.StatusServiceUnavailable
			down = append(down, c.Name)
		}
	}
	body := map[string]any{"status": "ok", "checks": results}
	if status != http.StatusOK {
		body["status"] = "unavailable"
		body["down"] = down
	}
	httpapi.Encode(w, status, body)
}

func handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(openapi.Document)
}
