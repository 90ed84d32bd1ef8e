// Package lease is how the asynchronous workers' items (export jobs, L1's
// import tasks) are run by one worker run at a time: an item is queued; a
// run claims it (running, started now, one more attempt); only the run that
// still holds it may end it or hand it back for Lambda's retry; a run that
// died is taken over once its lease ran out; and an item no run can still
// finish is stale, so the screen can say so instead of waiting for ever.
//
// The items keep these attributes: status, started, attempts.
package lease

import (
	"context"
	"errors"
	"time"

	"github.com/guregu/dynamo/v2"
)

// The statuses the protocol moves an item between (the items' own Done and
// Failed are theirs).
const (
	Queued  = "queued"
	Running = "running"
)

// ErrTakenOver: the run no longer holds the item (its lease ran out and
// another run claimed it).
var ErrTakenOver = errors.New("taken over by another run")

// Claim moves the item at pk/sk to running for one run and answers it as
// updated; a running item is taken over only past its lease (the run that
// had it died). It reports false for an item not to be run (done, failed,
// or held by a live run).
func Claim[T any](ctx context.Context, table dynamo.Table, pk, sk string, now time.Time, lease time.Duration) (T, bool, error) {
	var out T
	err := table.Update("pk", pk).Range("sk", sk).
		Set("status", Running).Set("started", now).Add("attempts", 1).
		If("($ = ?) OR ($ = ? AND $ < ?)", "status", Queued, "status", Running, "started", now.Add(-lease)).
		Value(ctx, &out)
	if dynamo.IsCondCheckFailed(err) {
		return out, false, nil
	}
	return out, err == nil, err
}

// Finish writes item (the run's end) only while the run that started at
// started still holds it: ErrTakenOver otherwise.
func Finish(ctx context.Context, table dynamo.Table, item any, started time.Time) error {
	err := table.Put(item).If("$ = ? AND $ = ?", "status", Running, "started", started).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return ErrTakenOver
	}
	return err
}

// Requeue hands the item back to the queue for a retry, if the run that
// started at started still holds it (otherwise there is nothing to hand).
func Requeue(ctx context.Context, table dynamo.Table, pk, sk string, started time.Time) error {
	err := table.Update("pk", pk).Range("sk", sk).Set("status", Queued).
		If("$ = ? AND $ = ?", "status", Running, "started", started).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return nil
	}
	return err
}

// EventAge is how long Lambda may deliver a worker's invocation or its retry
// (template.yaml: each worker's MaximumEventAgeInSeconds; TestProductionTemplate).
const EventAge = time.Hour

// Policy is what bounds a worker's runs of an item (template.yaml: the
// worker's MaximumEventAgeInSeconds, timeout and retries).
type Policy struct {
	EventAge time.Duration // how long Lambda may still deliver an invocation or its retry
	Lease    time.Duration // how long a run may hold the item
	Attempts int           // runs at most (the first and the retries)
}

// Stale reports an item no run can still finish: queued past the last
// moment an invocation could arrive and run, or running past its lease with
// no retry left to take it over.
func (p Policy) Stale(status string, created, started time.Time, attempts int, now time.Time) bool {
	last := created.Add(p.EventAge + p.Lease)
	switch status {
	case Queued:
		return now.After(last)
	case Running:
		return now.After(started.Add(p.Lease)) && (attempts >= p.Attempts || now.After(last))
	}
	return false
}
