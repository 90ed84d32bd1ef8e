package statistics

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
)

// RecomputeCooldown is how long after a 重新計算 of an agency and year
// another one of the same is refused (unless the first failed): a
// recomputation of a large subtree takes minutes of the rollup worker, and
// officers pressing the button again would only queue the same work.
const RecomputeCooldown = 10 * time.Minute

// States of a 重新計算 request.
const (
	Queued   = "queued"  // recorded, the worker started asynchronously
	Running  = "running" // the worker is computing
	Finished = "done"    // the figures are stored; ComputedAt is their 統計時間
	Failed   = "failed"  // the worker failed (Lambda retries it; a new request is allowed at once)
)

// requestSK is the sort key of an agency and year's 重新計算 request, in
// the partition of its rollups (ROLLUP#<agency>#<year>): the functions that
// write rollups write it, under the same key prefix.
const requestSK = "REQUEST"

// RecomputeRequest is the state of an agency and year's latest 重新計算.
type RecomputeRequest struct {
	Agency      string     `json:"agency"`
	Year        int        `json:"year"`
	State       string     `json:"state"`
	RequestedAt time.Time  `json:"requestedAt"`
	NextAt      time.Time  `json:"nextAt"`               // when another may be requested
	ComputedAt  *time.Time `json:"computedAt,omitempty"` // done: the new 統計時間
}

type requestItem struct {
	PK        string    `dynamo:"pk"`
	SK        string    `dynamo:"sk"`
	Requested int64     `dynamo:"requested"` // Unix ms: compared in conditions
	State     string    `dynamo:"state"`
	Computed  time.Time `dynamo:"computedAt,omitempty"`
}

func (it requestItem) request(code string, year int) RecomputeRequest {
	at := time.UnixMilli(it.Requested).UTC()
	out := RecomputeRequest{Agency: code, Year: year, State: it.State, RequestedAt: at, NextAt: at.Add(RecomputeCooldown)}
	if it.State == Failed {
		out.NextAt = out.RequestedAt
	}
	if !it.Computed.IsZero() {
		c := it.Computed.UTC()
		out.ComputedAt = &c
	}
	return out
}

// Ask records a 重新計算 of an agency and year asked at now, unless one
// that has not failed was asked within RecomputeCooldown: then it answers
// that one and false.
func (r Rollups) Ask(ctx context.Context, code string, year int, now time.Time) (RecomputeRequest, bool, error) {
	it := requestItem{PK: rollupPK(code, year), SK: requestSK, Requested: now.UnixMilli(), State: Queued}
	err := r.Table.Put(it).If("attribute_not_exists(pk) OR requested <= ? OR $ = ?",
		now.Add(-RecomputeCooldown).UnixMilli(), "state", Failed).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		prev, err := r.Request(ctx, code, year)
		return prev, false, err
	}
	if err != nil {
		return RecomputeRequest{}, false, fmt.Errorf("record 重新計算 %s/%d: %w", code, year, err)
	}
	return it.request(code, year), true, nil
}

// ErrNoRequest: no 重新計算 of that agency and year was ever asked.
var ErrNoRequest = errors.New("no recompute request")

// Request reads the latest 重新計算 of an agency and year (ErrNoRequest).
func (r Rollups) Request(ctx context.Context, code string, year int) (RecomputeRequest, error) {
	var it requestItem
	err := r.Table.Get("pk", rollupPK(code, year)).Range("sk", dynamo.Equal, requestSK).Consistent(true).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return RecomputeRequest{}, ErrNoRequest
	}
	if err != nil {
		return RecomputeRequest{}, fmt.Errorf("read 重新計算 %s/%d: %w", code, year, err)
	}
	return it.request(code, year), nil
}

// Withdraw deletes a request whose worker could not be started, so the
// officer may ask again at once; a newer request is left alone.
func (r Rollups) Withdraw(ctx context.Context, req RecomputeRequest) error {
	err := r.Table.Delete("pk", rollupPK(req.Agency, req.Year)).Range("sk", requestSK).
		If("requested = ?", req.RequestedAt.UnixMilli()).Run(ctx)
	if err != nil && !dynamo.IsCondCheckFailed(err) {
		return fmt.Errorf("withdraw 重新計算 %s/%d: %w", req.Agency, req.Year, err)
	}
	return nil
}

// mark moves a request to state (with the new 統計時間 when done), unless
// it was replaced by a newer request meanwhile (or never recorded: a job
// started by hand).
func (r Rollups) mark(ctx context.Context, job recomputeJob, state string, computed time.Time) error {
	u := r.Table.Update("pk", rollupPK(job.agency, job.year)).Range("sk", requestSK).Set("state", state)
	if !computed.IsZero() {
		u = u.Set("computedAt", computed.UTC())
	}
	err := u.If("requested = ?", job.requested).Run(ctx)
	if err != nil && !dynamo.IsCondCheckFailed(err) {
		return fmt.Errorf("mark 重新計算 %s/%d %s: %w", job.agency, job.year, state, err)
	}
	return nil
}

// recomputeJob is the rollup worker's job of a 重新計算:
// "<agency>#<year>#<requested ms>" (a nightly job is a bare agency code).
type recomputeJob struct {
	agency    string
	year      int
	requested int64
}

// JobID is the rollup worker's job of a request.
func (req RecomputeRequest) JobID() string {
	return req.Agency + "#" + strconv.Itoa(req.Year) + "#" + strconv.FormatInt(req.RequestedAt.UnixMilli(), 10)
}

// parseJob reads a worker's job: a bare agency code (the nightly fan-out:
// its subtree, every rollup year) or a 重新計算's.
func parseJob(id string) (recomputeJob, bool, error) {
	parts := strings.Split(id, "#")
	if !agency.ValidCode(parts[0]) {
		return recomputeJob{}, false, fmt.Errorf("rollup job %q: not an agency code", id)
	}
	if len(parts) == 1 {
		return recomputeJob{agency: parts[0]}, false, nil
	}
	if len(parts) != 3 {
		return recomputeJob{}, false, fmt.Errorf("rollup job %q: want <agency> or <agency>#<year>#<requested>", id)
	}
	y, err1 := strconv.Atoi(parts[1])
	ms, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return recomputeJob{}, false, fmt.Errorf("rollup job %q: bad year or request time", id)
	}
	return recomputeJob{agency: parts[0], year: y, requested: ms}, true, nil
}
