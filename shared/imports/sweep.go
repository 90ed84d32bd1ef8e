package imports

import (
	"context"
	"errors"
	"fmt"
)

// Stuck is the quarter-hourly check for jobs left behind between nightly
// batches (the sweep schedule): it ends the staging runs whose lease expired
// (failed with StaleStaging, as the nightly batch does) and lists the jobs
// being applied whose lease expired without a checkpoint: their run died
// (a crash, a timeout without a follow-up, a retry that found the job still
// leased), and an apply invocation resumes each from its checkpoint. Jobs
// merely staged wait for the night, as always.
func (p *Pipeline) Stuck(ctx context.Context) ([]string, error) {
	now := p.Now()
	if err := p.Jobs.settleStaging(ctx, now); err != nil {
		return nil, err
	}
	q, err := p.Jobs.queued(ctx)
	if err != nil {
		return nil, err
	}
	var stuck []string
	var errs []error
	for _, qj := range q {
		j, err := p.Jobs.Get(ctx, qj.id)
		if err != nil {
			errs = append(errs, fmt.Errorf("queued import job %s: %w", qj.id, err))
			continue
		}
		if j.Status == Applying && !j.Lease.IsZero() && j.Lease.Before(now) {
			stuck = append(stuck, qj.id)
		}
	}
	return stuck, errors.Join(errs...)
}
