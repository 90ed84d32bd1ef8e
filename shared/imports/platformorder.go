package imports

// One platform client's batches are applied one at a time, in staging order
// (the order their jobs joined the nightly queue). A resent record id moves
// or updates its record; two applies of one client at once raced on the
// record's PLATREC# pointer (a moved record left in two places) and on its
// values (an older batch's written over a newer one's). So:
//
//   - the nightly batch starts, of each client, only its oldest queued job
//     (Queued); jobs of the other kinds all start, as before;
//   - an apply of a platform job with an older job of its client still
//     queued does nothing: that job's apply starts it when it ends;
//   - an apply that ends a platform job (also one the sweep resumed after a
//     crash) starts the client's next queued job through FollowUp, the
//     apply function's own asynchronous invocation;
//   - an apply invoked again for a job already done starts the next again,
//     so a lost invocation does not stop the chain; a job started twice is
//     applied once (the claim);
//   - a job whose apply died PlatformDeaths times is ended (its rows not yet
//     applied fail with CodeApplyAbandoned) and the chain goes on: a job
//     that cannot be applied does not hold its client's later batches for
//     ever.

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// PlatformDeaths is how many times a platform job's apply may die (its lease
// run out unreleased: a crash, an error) before the run that finds it so
// ends the job instead of resuming it. The quarter-hourly sweep resumes a
// died run once its lease (at most the function's 15 minutes) ran out, so a
// job is tried for one to two hours.
const PlatformDeaths = 4

// queuedJob is one job of the nightly queue.
type queuedJob struct {
	id, kind, client string
	at               time.Time // staged
}

// cmp orders jobs as they were staged (ties, never seen outside tests with
// a fixed clock, by id).
func (q queuedJob) cmp(o queuedJob) int {
	if c := q.at.Compare(o.at); c != 0 {
		return c
	}
	return strings.Compare(q.id, o.id)
}

// queued reads the nightly queue in staging order.
func (s Jobs) queued(ctx context.Context) ([]queuedJob, error) {
	var items []queueItem
	if err := s.Table.Get("pk", "IMPORTQ").Consistent(true).All(ctx, &items); err != nil {
		return nil, fmt.Errorf("import queue: %w", err)
	}
	out := make([]queuedJob, 0, len(items))
	for _, it := range items {
		stamp, _, _ := strings.Cut(it.SK, "#")
		at, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			return nil, fmt.Errorf("import queue item %q: %w", it.SK, err)
		}
		q := queuedJob{id: it.Job, kind: it.Kind, client: it.Client, at: at}
		if q.kind == "" { // queued before the items named their kind
			j, err := s.Get(ctx, it.Job)
			if err != nil && !errcode.Is(err, errcode.NotFound) {
				return nil, fmt.Errorf("queued import job %s: %w", it.Job, err)
			}
			q.kind, q.client = j.Kind, j.Params["client"]
		}
		out = append(out, q)
	}
	slices.SortFunc(out, queuedJob.cmp)
	return out, nil
}

// startable is what of the queue may start now: every job of the other
// kinds, and of each platform client its oldest job.
func startable(q []queuedJob) []string {
	heads := map[string]bool{}
	out := []string{}
	for _, j := range q {
		if j.kind == Platform {
			if heads[j.client] {
				continue
			}
			heads[j.client] = true
		}
		out = append(out, j.id)
	}
	return out
}

// platformNext is the oldest queued job of a platform client other than
// but ("" when none).
func (s Jobs) platformNext(ctx context.Context, client, but string) (string, error) {
	q, err := s.queued(ctx)
	if err != nil {
		return "", err
	}
	for _, o := range q {
		if o.kind == Platform && o.client == client && o.id != but {
			return o.id, nil
		}
	}
	return "", nil
}

// aheadOf names an older queued job of platform job j's client ("" when j
// is the oldest).
func (s Jobs) aheadOf(ctx context.Context, j Job) (string, error) {
	q, err := s.queued(ctx)
	if err != nil {
		return "", err
	}
	me := queuedJob{id: j.ID, at: j.StagedAt}
	for _, o := range q {
		if o.kind == Platform && o.client == j.Params["client"] && o.id != j.ID && o.cmp(me) < 0 {
			return o.id, nil
		}
	}
	return "", nil
}

// platformTurn tells whether platform job j must not be applied now: it is
// done already (then the client's next job is started again: the
// invocation that started it may have been lost), or an older job of its
// client is still queued (that job's apply starts this one when it ends).
func (p *Pipeline) platformTurn(ctx context.Context, j Job) (wait bool, err error) {
	if j.Status == Done {
		return true, p.startNext(ctx, j)
	}
	ahead, err := p.Jobs.aheadOf(ctx, j)
	if err != nil {
		return true, err
	}
	if ahead != "" {
		slog.InfoContext(ctx, "platform job waits for its client's older batch", "job", j.ID, "after", ahead)
		return true, nil
	}
	return false, nil
}

// startNext starts the apply of the next queued job of done platform job
// j's client, if any.
func (p *Pipeline) startNext(ctx context.Context, j Job) error {
	next, err := p.Jobs.platformNext(ctx, j.Params["client"], j.ID)
	if err != nil || next == "" {
		return err
	}
	if p.FollowUp == nil {
		slog.WarnContext(ctx, "platform job done; no follow-up invoker here, the client's next batch waits for the nightly batch", "job", j.ID, "next", next)
		return nil
	}
	slog.InfoContext(ctx, "platform job done; the client's next batch starts", "job", j.ID, "next", next)
	if err := p.FollowUp.Invoke(ctx, next); err != nil {
		return fmt.Errorf("start platform job %s after %s: %w", next, j.ID, err)
	}
	return nil
}

// diedRun tells whether claiming j now takes over a run that died: applying,
// its lease run out without being released (release sets it to the epoch).
func diedRun(j Job, now time.Time) bool {
	return j.Status == Applying && j.Lease.Unix() > 0 && j.Lease.Before(now)
}

// abandon ends platform job j (claimed by owner) whose apply died
// PlatformDeaths times: its rows not yet applied fail with
// CodeApplyAbandoned, and the client's next job starts.
func (p *Pipeline) abandon(ctx context.Context, j Job, owner string) (Job, error) {
	slog.WarnContext(ctx, "platform job ended: its apply died too often", "job", j.ID, "died", j.Died, "next", j.Next, "chunks", j.Chunks)
	return p.endWaiting(ctx, j, owner, rowErrCode(CodeApplyAbandoned, "本批次套用時連續中斷 %d 次而停止，本筆紀錄未確認寫入；請以同一平台紀錄編號重送（重送只會更新，不會重複）。", j.Died))
}

// endWaiting ends job j without applying it further: every row still
// waiting fails with e.
func (p *Pipeline) endWaiting(ctx context.Context, j Job, owner string, e *RowError) (Job, error) {
	for n := j.Next; n < j.Chunks; n++ {
		rows, err := p.Jobs.chunk(ctx, j.ID, n)
		if err != nil {
			return Job{}, err
		}
		changed := false
		for i := range rows {
			if rows[i].Status == RowWaiting {
				rows[i].Status, rows[i].Msg, rows[i].Code = RowFailed, e.Msg, e.code()
				changed = true
			}
		}
		if changed {
			if err := p.Jobs.writeChunk(ctx, j.ID, n, rows); err != nil {
				return Job{}, err
			}
		}
	}
	return p.done(ctx, j, owner)
}
