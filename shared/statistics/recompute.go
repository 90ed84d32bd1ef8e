package statistics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Requests records and reads 重新計算 requests (Rollups).
type Requests interface {
	Ask(ctx context.Context, code string, year int, now time.Time) (RecomputeRequest, bool, error)
	Request(ctx context.Context, code string, year int) (RecomputeRequest, error)
	Withdraw(ctx context.Context, req RecomputeRequest) error
}

// Starter starts the rollup worker on a job, asynchronously (invoke.Async).
type Starter interface {
	Invoke(ctx context.Context, jobID string) error
}

// RolledUp are the features whose pages read the rollups: an officer
// holding any of them may ask for 重新計算.
var RolledUp = []string{"P8", "P9", "P10", "P11", "R1", "R2", "R3"}

// RecomputeServer serves 重新計算: POST /api/statistics/recompute records
// a request for the caller's active agency and a year and starts the rollup
// worker on it (its subtree, then its ancestors' and the national sums),
// answering 202 at once; GET /api/statistics/recompute?year= answers the
// request's state, which the report screen polls until it is done.
type RecomputeServer struct {
	Requests Requests
	Worker   Starter
	Guard    auth.Guard
	Now      func() time.Time
}

// RecomputeInput is the body of POST /api/statistics/recompute.
type RecomputeInput struct {
	Year int `json:"year"`
}

// Routes of 重新計算, served by the reports function.
func (s *RecomputeServer) Routes(r httpapi.Router) {
	r.Handle("POST /api/statistics/recompute", s.Guard.RequireAnyOfficer(RolledUp, httpapi.HandlerFunc(s.ask)))
	r.Handle("GET /api/statistics/recompute", s.Guard.RequireAnyOfficer(RolledUp, httpapi.HandlerFunc(s.state)))
}

func (s *RecomputeServer) ask(w http.ResponseWriter, r *http.Request) error {
	in, err := httpapi.Decode[RecomputeInput](r)
	if err != nil {
		return err
	}
	if err := s.checkYear(in.Year); err != nil {
		return err
	}
	c := auth.CallerFrom(r.Context())
	req, ok, err := s.Requests.Ask(r.Context(), c.Active.Code, in.Year, s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return errcode.New(errcode.Conflict, fmt.Sprintf("%s民國 %d 年的統計已於 %s 要求重新計算%s，請於 %s 後再要求。",
			c.Active.Name, in.Year-1911, clock(req.RequestedAt), stateNote[req.State], clock(req.NextAt.Add(time.Minute-time.Nanosecond).Truncate(time.Minute))))
	}
	if err := s.Worker.Invoke(r.Context(), req.JobID()); err != nil {
		if werr := s.Requests.Withdraw(r.Context(), req); werr != nil {
			err = errors.Join(err, werr)
		}
		return errcode.Wrap(errcode.Unavailable, "目前無法開始重新計算，請稍後再試。", err)
	}
	httpapi.Encode(w, http.StatusAccepted, req)
	return nil
}

func (s *RecomputeServer) state(w http.ResponseWriter, r *http.Request) error {
	y, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil {
		return errcode.Field("year", "年度須為西元年，例如 2026。")
	}
	if err := s.checkYear(y); err != nil {
		return err
	}
	c := auth.CallerFrom(r.Context())
	req, err := s.Requests.Request(r.Context(), c.Active.Code, y)
	if errors.Is(err, ErrNoRequest) {
		return errcode.New(errcode.NotFound, fmt.Sprintf("%s民國 %d 年的統計沒有重新計算的要求。", c.Active.Name, y-1911))
	}
	if err != nil {
		return err
	}
	httpapi.Encode(w, http.StatusOK, req)
	return nil
}

// checkYear: only the rollup years have rollups to recompute.
func (s *RecomputeServer) checkYear(y int) error {
	years := Years(s.Now())
	if y < years[0] || y > years[len(years)-1] {
		return errcode.Field("year", fmt.Sprintf("只能重新計算民國 %d 至 %d 年的統計。", years[0]-1911, years[len(years)-1]-1911))
	}
	return nil
}

// stateNote is what the refusal says of the request still in its cooldown.
var stateNote = map[string]string{Queued: "（等待計算）", Running: "（計算中）", Finished: "（已完成）"}

// clock is a Taipei time of day, as the refusal names it (the next one
// rounded up to the minute: asking at the minute named is never refused).
func clock(t time.Time) string { return t.In(roc.Taipei).Format("15:04") }
