package summary_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/lease"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// repairAcrossRuns: a repair that reaches its deadline saves each segment's
// position, and the next run goes on from there (it checks only the people
// the first did not); and a run whose segments another run took over (its
// lease ran out) cannot move their positions. It runs on
// TestRepairFindsAndFixesDrift's stack, whose summaries are exact by then.
func repairAcrossRuns(t *testing.T, env *stacktest.Env, sums summary.Repo) {
	ctx := context.Background()
	whole, err := sums.Repair(ctx)
	if err != nil || whole.SegmentsDone != summary.RepairSegments {
		t.Fatalf("a whole pass: %+v %v", whole, err)
	}

	// The invocation's deadline is 10 minutes away, but the clock says the
	// reserve before it has begun: each segment repairs one person and stops.
	late := sums
	late.Now = func() time.Time { return time.Now().Add(20 * time.Minute) }
	dctx, cancel := context.WithDeadline(ctx, time.Now().Add(10*time.Minute))
	defer cancel()
	first, err := late.Repair(dctx)
	if err != nil {
		t.Fatal(err)
	}
	if !first.More || first.SegmentsDone != 0 || first.Segments != summary.RepairSegments || first.Checked == 0 || first.Checked >= whole.Checked {
		t.Fatalf("a run stopped at its deadline: %+v (a whole pass checks %d)", first, whole.Checked)
	}
	rest, err := sums.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rest.More || rest.SegmentsDone != summary.RepairSegments || first.Checked+rest.Checked != whole.Checked {
		t.Fatalf("the next run: %+v after %+v, want the other %d of %d person-years", rest, first, whole.Checked-first.Checked, whole.Checked)
	}

	// Two runs: the first (its clock at start) holds every segment; when it
	// compares its first batch, a second run past the first's lease takes
	// them over and finishes the pass. The first can then save nothing.
	start := env.Now()
	other := sums
	other.Now = func() time.Time { return start.Add(summary.RepairLease + time.Minute) }
	var second summary.RepairResult
	db := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "BatchGetItem", N: 1, Do: func() {
		if second, err = other.Repair(ctx); err != nil {
			t.Errorf("the second run: %v", err)
		}
	}})
	slow := sums
	slow.Now = func() time.Time { return start }
	slow.Records = db.Table(env.Tables.Records.Name())
	slow.People = staff.Repo{Table: db.Table(env.Tables.Directory.Name())}
	if _, err := slow.Repair(ctx); !errors.Is(err, lease.ErrTakenOver) {
		t.Fatalf("a run whose segments were taken over: %v, want %v", err, lease.ErrTakenOver)
	}
	if second.Segments != summary.RepairSegments || second.SegmentsDone != summary.RepairSegments || second.Checked != whole.Checked {
		t.Fatalf("the run that took over: %+v, want a whole pass", second)
	}
}
