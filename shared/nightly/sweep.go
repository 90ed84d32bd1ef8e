package nightly

import "context"

// Stuck lists the upload jobs whose apply died (lease expired without a
// checkpoint) after ending the staging runs that died (imports.Pipeline.Stuck).
type Stuck interface {
	Stuck(ctx context.Context) ([]string, error)
}

// Sweep is the quarter-hourly check between nightly batches (the sweep
// schedule): no job waits for the next night because its run died. Like the
// batch, every step is idempotent: a resumed apply claims its job, so one
// started twice applies nothing twice. A resumed platform batch's apply
// starts its client's next batch when it ends, as a nightly one does.
type Sweep struct {
	Uploads Stuck
	Apply   Starter
}

// Steps are the sweep's steps.
func (s Sweep) Steps() []Step {
	return []Step{{"appliesResumed", s.resumeApplies}}
}

// Run runs every step of the sweep.
func (s Sweep) Run(ctx context.Context) (Result, error) { return run(ctx, s.Steps()) }

func (s Sweep) resumeApplies(ctx context.Context) (any, error) {
	stuck, err := s.Uploads.Stuck(ctx)
	started, serr := startEach(ctx, s.Apply, stuck, "apply")
	if err != nil {
		return started, err
	}
	return started, serr
}
