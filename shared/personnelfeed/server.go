package personnelfeed

import (
	"net/http"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
)

// Server is the review of held snapshots (system administrators), served
// by the imports function under its /api/imports/ prefix.
type Server struct {
	Feed  *Feed
	Guard auth.Guard
}

// Routes is every route of the review.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/imports/personnel/held", g.Require(auth.SysAdmin, s.handleHeld()))
	r.Handle("GET /api/imports/personnel/plans/{id}", g.Require(auth.SysAdmin, s.handlePlan()))
	r.Handle("POST /api/imports/personnel/plans/{id}/decision", g.Require(auth.SysAdmin, s.handleDecide()))
}

// Decision confirms (true) or rejects (false) a held snapshot.
type Decision struct {
	Confirm *bool `json:"confirm"`
}

// Valid checks the decision is given.
func (d *Decision) Valid() error {
	if d.Confirm == nil {
		return errcode.Field("confirm", "請選擇確認或退回。")
	}
	return nil
}

func (s *Server) handleHeld() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		plans, err := s.Feed.HeldPlans(r.Context())
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": plans})
		return nil
	}
}

func (s *Server) handlePlan() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := jobID(r)
		if err != nil {
			return err
		}
		p, err := s.Feed.Plan(r.Context(), id)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, p)
		return nil
	}
}

func (s *Server) handleDecide() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := jobID(r)
		if err != nil {
			return err
		}
		in, err := httpapi.Decode[Decision](r)
		if err != nil {
			return err
		}
		p, err := s.Feed.Decide(r.Context(), id, auth.CallerFrom(r.Context()).UserID, *in.Confirm)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, p)
		return nil
	}
}

func jobID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > limits.ID {
		return "", errcode.Field("id", "上傳作業編號不正確。")
	}
	return id, nil
}
