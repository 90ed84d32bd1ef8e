package export_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/export"
)

// An export job belongs to one worker run at a time. Two runs race for it
// here at the repository, with explicit times, so the conditions of Claim,
// Finish and Requeue are what decide (`make mutate` removes and negates each
// and expects this to fail).
func TestExportJobLease(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	jobs := export.Jobs{Table: env.Tables.Directory}
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	j := export.Job{ID: "cond-1", Kind: "roster", Title: "條件測試", Owner: "moi.course", Agency: "A", Status: export.Queued, Created: t0}
	if err := jobs.Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	again := j
	again.Title = "重送"
	if err := jobs.Create(ctx, again); err == nil {
		t.Fatal("a second job with the same id was stored")
	}

	a, ok, err := jobs.Claim(ctx, j.ID, t0, export.Lease)
	if err != nil || !ok || a.Status != export.Running || a.Attempts != 1 || a.Title != j.Title {
		t.Fatalf("first claim: %+v %v %v", a, ok, err)
	}
	// A duplicate invocation while the first run's lease holds gets nothing.
	if _, ok, err := jobs.Claim(ctx, j.ID, t0.Add(export.Lease-time.Second), export.Lease); err != nil || ok {
		t.Fatalf("claimed a job under a live lease: %v %v", ok, err)
	}
	// The first run is presumed dead once its lease has passed: B takes over.
	tB := t0.Add(export.Lease + time.Second)
	b, ok, err := jobs.Claim(ctx, j.ID, tB, export.Lease)
	if err != nil || !ok || b.Attempts != 2 || !b.Started.Equal(tB) {
		t.Fatalf("take-over after the lease: %+v %v %v", b, ok, err)
	}
	// A was only slow: what it does now must not touch B's run.
	if err := jobs.Requeue(ctx, a); err != nil {
		t.Fatal(err)
	}
	a.Status, a.Rows, a.Finished = export.Done, 111, tB.Add(time.Second)
	if err := jobs.Finish(ctx, a); err == nil {
		t.Fatal("the run that lost the job finished it")
	}
	cur, err := jobs.Get(ctx, j.ID)
	if err != nil || cur.Status != export.Running || !cur.Started.Equal(tB) || cur.Rows != 0 {
		t.Fatalf("after the late run: %+v %v", cur, err)
	}
	// B finishes; nothing claims a finished job, however late.
	b.Status, b.Rows, b.Finished = export.Done, 222, tB.Add(time.Minute)
	if err := jobs.Finish(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := jobs.Claim(ctx, j.ID, tB.Add(24*time.Hour), export.Lease); err != nil || ok {
		t.Fatalf("claimed a finished job: %v %v", ok, err)
	}
	if cur, err := jobs.Get(ctx, j.ID); err != nil || cur.Status != export.Done || cur.Rows != 222 || cur.Title != j.Title {
		t.Fatalf("finished job: %+v %v", cur, err)
	}
	// Requeue by the run that holds the job hands it back.
	q := export.Job{ID: "cond-2", Kind: "roster", Owner: "moi.course", Status: export.Queued, Created: t0}
	if err := jobs.Create(ctx, q); err != nil {
		t.Fatal(err)
	}
	held, _, err := jobs.Claim(ctx, q.ID, t0, export.Lease)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Requeue(ctx, held); err != nil {
		t.Fatal(err)
	}
	if cur, err := jobs.Get(ctx, q.ID); err != nil || cur.Status != export.Queued {
		t.Fatalf("requeued: %+v %v", cur, err)
	}
}
