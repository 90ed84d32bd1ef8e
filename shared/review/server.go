package review

import (
	"net/http"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// Server is the API of private-institution hours: the front stage's report
// and P15. Served by the enrollment function (which writes records).
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// Routes of the front stage's reports and of P15.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	// The front stage, acting for a learner signed in with the same SSO
	// (the Guard refuses a signed-out session; the learner is checked by the service).
	r.Handle("GET /api/front/records", g.Session(s.handleMine()))
	r.Handle("POST /api/front/records", g.Session(s.handleReport()))
	// P15 學習時數(複核及修改).
	r.Handle("GET /api/reviews", g.Require("P15", s.handleList()))
	r.Handle("POST /api/reviews/decisions", g.Require("P15", s.handleDecide()))
}

func (s *Server) handleMine() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := auth.Learner(r.Context())
		if err != nil {
			return err
		}
		list, err := s.Service.Mine(r.Context(), p)
		if err != nil {
			return err
		}
		if list == nil {
			list = []records.Reported{}
		}
		httpapi.Encode(w, http.StatusOK, httpapi.Page[records.Reported]{Items: list})
		return nil
	}
}

func (s *Server) handleReport() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := auth.Learner(r.Context())
		if err != nil {
			return err
		}
		in, err := httpapi.Decode[ReportInput](r)
		if err != nil {
			return err
		}
		rec, created, err := s.Service.Report(r.Context(), p, in)
		if err != nil {
			return err
		}
		status := http.StatusOK // the same report again: the first one's record
		if created {
			status = http.StatusCreated
		}
		httpapi.Encode(w, status, rec)
		return nil
	}
}

func (s *Server) handleList() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := Query{State: r.URL.Query().Get("status"), Name: strings.TrimSpace(r.URL.Query().Get("name"))}
		var err error
		if r.URL.Query().Get("year") != "" { // none: every year, as H6 counts
			if q.Year, err = catalog.YearParam(r, s.Service.Now()); err != nil {
				return err
			}
		}
		switch q.State {
		case "":
			q.State = StatePending
		case StatePending, StateReviewed, StateApproved, StateRejected:
		default:
			return errcode.Field("status", "狀態須為 pending（待複核）、reviewed（已複核）、approved（通過）或 rejected（不通過）。")
		}
		if q.NationalID, err = nid.Query(r.URL.Query(), "nationalId"); err != nil {
			return err
		}
		if q.After, err = httpapi.Cursor(r); err != nil {
			return err
		}
		rows, next, err := s.Service.List(r.Context(), auth.CallerFrom(r.Context()), q)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, httpapi.Page[Row]{Items: rows, Next: httpapi.NextCursor(next)})
		return nil
	}
}

func (s *Server) handleDecide() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[DecideInput](r)
		if err != nil {
			return err
		}
		n, err := s.Service.Decide(r.Context(), auth.CallerFrom(r.Context()), in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"decided": n})
		return nil
	}
}
