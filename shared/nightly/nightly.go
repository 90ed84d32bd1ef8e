// Package nightly is the nightly batch (02:00 Taipei): a list of named steps
// run in turn. A step that fails is recorded and the others still run; the
// run then fails as a whole so that the failure reaches the async-failures
// queue. Every step is idempotent (jobs are claimed, staged work is applied
// once), so a batch fired twice does nothing twice.
package nightly

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// Rosters applies the staged agency rosters (X3).
type Rosters interface {
	ApplyStaged(ctx context.Context) (int, error)
}

// Uploads lists the upload jobs to start applying (X2): the queued ones, of
// each platform client only the oldest (imports.Pipeline.Queued); it also
// ends as failed the jobs whose staging died.
type Uploads interface {
	Queued(ctx context.Context) ([]string, error)
}

// Starter starts the apply of one upload job (an asynchronous invocation).
type Starter interface {
	Invoke(ctx context.Context, jobID string) error
}

// Summaries checks every learning summary against the records and fixes
// drift (shared/summary).
type Summaries interface {
	Repair(ctx context.Context) (summary.RepairResult, error)
}

// RollupJobs lists the statistics rollup worker's jobs of the night
// (statistics.Roller.RollupJobs): one per top-level agency, a large one split
// by second-level agency.
type RollupJobs interface {
	RollupJobs(ctx context.Context) ([]string, error)
}

// Batch is what the steps use.
type Batch struct {
	Rosters   Rosters
	Uploads   Uploads
	Apply     Starter
	Summaries Summaries
	Rollups   RollupJobs
	Rollup    Starter // one invocation of the rollup worker per job
}

// Step is one part of the batch; its result is reported under Name.
type Step struct {
	Name string
	Run  func(context.Context) (any, error)
}

// Steps are the batch's steps, in the order they run. Adding a step is one
// line here (plus what it uses, in Batch).
func (b Batch) Steps() []Step {
	return []Step{
		{"rostersApplied", b.applyRosters},
		// After the roster moved people (the rollups count them in their
		// agency now), and before the repair: the summaries are kept by
		// their writers, the repair is a safety net that never holds the
		// night's statistics back.
		{"rollupsStarted", b.startRollups},
		{"importsStarted", b.startImports},
		// Last: it takes the rest of the invocation (summary.Repo.Repair
		// stops before the deadline and goes on from there the next night).
		{"summaries", b.repairSummaries},
	}
}

// ErrorsKey is where Result keeps the error of each step that failed.
const ErrorsKey = "errors"

// Result is what one run did: each step's result under its name and, under
// ErrorsKey, the error of each step that failed (by step name). A failed
// step still reports what it did before it failed.
type Result map[string]any

// Run runs every step of the batch, whatever the others did.
func (b Batch) Run(ctx context.Context) (Result, error) {
	return run(ctx, b.Steps())
}

func run(ctx context.Context, steps []Step) (Result, error) {
	res := Result{}
	failed := map[string]string{}
	var errs []error
	for _, s := range steps {
		v, err := s.Run(ctx)
		res[s.Name] = v
		slog.InfoContext(ctx, "nightly step", "step", s.Name, "result", v)
		if err != nil {
			failed[s.Name] = err.Error()
			errs = append(errs, fmt.Errorf("nightly step %s: %w", s.Name, err))
			slog.ErrorContext(ctx, "nightly step failed", "step", s.Name, "err", err)
		}
	}
	if len(failed) > 0 {
		res[ErrorsKey] = failed
	}
	return res, errors.Join(errs...)
}

func (b Batch) applyRosters(ctx context.Context) (any, error) {
	return b.Rosters.ApplyStaged(ctx)
}

// startImports starts one apply invocation per job Uploads.Queued lists
// (every queued upload job, but of each platform client only its oldest:
// that apply starts the client's next, so one client's batches are applied
// one at a time, in staging order); each claims its job, so starting one
// twice applies nothing twice.
func (b Batch) startImports(ctx context.Context) (any, error) {
	queued, err := b.Uploads.Queued(ctx)
	if err != nil {
		return []string{}, err
	}
	return startEach(ctx, b.Apply, queued, "apply")
}

// startEach invokes s once for each id (what), going on past a failure;
// it reports the ids started.
func startEach(ctx context.Context, s Starter, ids []string, what string) ([]string, error) {
	started := []string{}
	var errs []error
	for _, id := range ids {
		if err := s.Invoke(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("start %s of %s: %w", what, id, err))
			continue
		}
		started = append(started, id)
	}
	return started, errors.Join(errs...)
}

func (b Batch) repairSummaries(ctx context.Context) (any, error) {
	return b.Summaries.Repair(ctx)
}

// startRollups starts one rollup worker per job (each rewrites its own
// agencies' rollups whole, so one fired twice changes nothing and a failed
// one leaves the others' alone); the parts of a split top-level agency
// re-sum its figures, and every worker the national sum, when it is done.
func (b Batch) startRollups(ctx context.Context) (any, error) {
	jobs, err := b.Rollups.RollupJobs(ctx)
	if err != nil {
		return []string{}, err
	}
	started, err := startEach(ctx, b.Rollup, jobs, "rollup")
	// The heartbeat's count (template.yaml RollupsUnfinishedAlarm: each
	// worker logs "rollup" when done).
	slog.InfoContext(ctx, "rollup jobs started", "jobs", len(started))
	return started, err
}
