package catalog

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Server is the course function. Today it lists an agency's classes of a
// year for the roster download (L5); course maintenance (L2) and enrollment
// approval (L5) grow here in their issues.
type Server struct {
	Repo  Repo
	Guard auth.Guard
	Now   func() time.Time
}

// NewServer returns the course function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// Routes is every route of the course function (the OpenAPI test lists them).
func (s *Server) Routes(r httpapi.Router) {
	r.Handle("GET /api/classes", s.Guard.Require("L5", s.handleList()))
}

func (s *Server) handleList() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		year := s.Now().In(roc.Taipei).Year()
		if y := r.URL.Query().Get("year"); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil || n < 2000 || n > 2200 {
				return errcode.Field("year", "年度須為西元年，例如 2026。")
			}
			year = n
		}
		list, err := s.Repo.OfAgency(r.Context(), c.Active.Code, year)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"year": year, "items": list})
		return nil
	}
}
