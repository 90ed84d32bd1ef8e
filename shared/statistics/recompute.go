package statistics

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Recomputer recomputes an agency's rollups of a year now (Roller).
type Recomputer interface {
	Recompute(ctx context.Context, a agency.Agency, year int) (time.Time, error)
}

// RolledUp are the features whose pages read the rollups: an officer
// holding any of them may ask for 重新計算.
var RolledUp = []string{"P8", "P9", "P10", "P11", "R3"}

// RecomputeServer serves POST /api/statistics/recompute: the caller's
// active agency's rollups (its subtree's, then its ancestors' re-summed) of
// a year, synchronously.
type RecomputeServer struct {
	Roller Recomputer
	Guard  auth.Guard
	Now    func() time.Time
}

// RecomputeInput is the body of POST /api/statistics/recompute.
type RecomputeInput struct {
	Year int `json:"year"`
}

// RecomputeAnswer is its answer: the new 「統計時間」.
type RecomputeAnswer struct {
	Agency     string    `json:"agency"`
	Year       int       `json:"year"`
	ComputedAt time.Time `json:"computedAt"`
}

// Routes of 重新計算, served by the reports function.
func (s *RecomputeServer) Routes(r httpapi.Router) {
	r.Handle("POST /api/statistics/recompute", s.Guard.RequireAnyOfficer(RolledUp, httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[RecomputeInput](r)
		if err != nil {
			return err
		}
		years := Years(s.Now())
		if in.Year < years[0] || in.Year > years[len(years)-1] {
			return errcode.Field("year", fmt.Sprintf("只能重新計算民國 %d 至 %d 年的統計。", years[0]-1911, years[len(years)-1]-1911))
		}
		c := auth.CallerFrom(r.Context())
		at, err := s.Roller.Recompute(r.Context(), c.Active, in.Year)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, RecomputeAnswer{Agency: c.Active.Code, Year: in.Year, ComputedAt: at.UTC()})
		return nil
	})))
}
