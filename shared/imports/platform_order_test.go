package imports_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// orderCase is a record id sent twice by one platform, in two batches
// applied the same night: the second batch's record is what must hold.
type orderCase struct {
	name string
	// second is the second batch's record, given the first's (person p0,
	// 2 hours) and another person p1.
	second func(id string, p0, p1 staff.Person) map[string]any
	// want is where the one record must be and its hours.
	want func(p0, p1 staff.Person) (staff.Person, int)
}

var orderCases = []orderCase{
	{"move to another person", func(id string, _, p1 staff.Person) map[string]any { return platformRecord(id, p1, "課程", 3) },
		func(_, p1 staff.Person) (staff.Person, int) { return p1, 3 }},
	{"update in place", func(id string, p0, _ staff.Person) map[string]any { return platformRecord(id, p0, "課程", 5) },
		func(p0, _ staff.Person) (staff.Person, int) { return p0, 5 }},
}

// checkOneRecord fails unless p0 and p1 hold exactly one record of the
// platform's id, at want with the hours.
func checkOneRecord(t *testing.T, env *stacktest.Env, id string, p0, p1, want staff.Person, hours int) {
	t.Helper()
	rid := imports.PlatformRecordID(demo.PlatformID, id)
	var got []records.Record
	for _, p := range []staff.Person{p0, p1} {
		for _, r := range platformRecords(t, env, p) {
			if r.ID == rid {
				got = append(got, r)
			}
		}
	}
	if len(got) != 1 || got[0].PersonID != want.ID || got[0].Hours != hours {
		t.Fatalf("records of %s: %+v, want one at %s with %v hours (the second batch's)", id, got, want.ID, hours)
	}
}

// Two batches of one client touching the same record id, applied by one
// nightly batch: only the older is started, and its apply starts the next
// (through the apply function's own asynchronous invocation), so the second
// batch's record is what holds, once.
func TestPlatformBatchesOfOneClientApplyInStagingOrderAtNight(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	for i, c := range orderCases {
		t.Run(c.name, func(t *testing.T) {
			p0, p1 := env.Data.People[2*i], env.Data.People[2*i+1]
			id := "NIGHT-" + p0.ID
			_, a := sendBatch(t, env, token, id+"-1", platformRecord(id, p0, "課程", 2))
			_, b := sendBatch(t, env, token, id+"-2", c.second(id, p0, p1))
			if a.Job.Status != imports.Staged || b.Job.Status != imports.Staged {
				t.Fatalf("staged: %+v %+v", a.Job, b.Job)
			}
			if n := fireNightly(t, env); !slices.Equal(n.ImportsStarted, []string{a.Job.ID}) {
				t.Fatalf("the nightly started %v, want only the older batch %s", n.ImportsStarted, a.Job.ID)
			}
			for _, j := range []string{a.Job.ID, b.Job.ID} {
				if got := platformJob(t, env, token, j); got.Job.Status != imports.Done || got.Job.Applied != 1 {
					t.Fatalf("job %s after the night: %+v", j, got)
				}
			}
			want, hours := c.want(p0, p1)
			checkOneRecord(t, env, id, p0, p1, want, hours)
		})
	}
}

// goApply is the apply function's asynchronous invocation in a test: each
// Invoke applies the job in a goroutine of its own.
type goApply struct {
	p       *imports.Pipeline
	wg      sync.WaitGroup
	mu      sync.Mutex
	invoked []string
	errs    []error
}

func (g *goApply) Invoke(ctx context.Context, id string) error {
	g.mu.Lock()
	g.invoked = append(g.invoked, id)
	g.mu.Unlock()
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if _, err := g.p.Apply(ctx, id, "follow-up"); err != nil {
			g.mu.Lock()
			g.errs = append(g.errs, err)
			g.mu.Unlock()
		}
	}()
	return nil
}

// heldUntil holds the first write of records until release is closed.
type heldUntil struct {
	imports.RecordWriter
	release <-chan struct{}
}

func (h *heldUntil) WriteRecords(ctx context.Context, recs []records.Record) error {
	<-h.release
	return h.RecordWriter.WriteRecords(ctx, recs)
}

// Both applies invoked at once (the apply function's concurrency is 4): the
// older batch's writes are held until the newer batch's apply has returned,
// the interleaving that left two copies of a moved record, or the older
// values over the newer, before the applies of one client were chained.
func TestPlatformBatchesOfOneClientInvokedAtOnce(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	ctx := context.Background()
	for i, c := range orderCases {
		t.Run(c.name, func(t *testing.T) {
			p0, p1 := env.Data.People[2*i], env.Data.People[2*i+1]
			id := "ONCE-" + p0.ID
			_, a := sendBatch(t, env, token, id+"-1", platformRecord(id, p0, "課程", 2))
			_, b := sendBatch(t, env, token, id+"-2", c.second(id, p0, p1))
			follow := &goApply{p: pipeline(t, env, nil, nil, 0)}
			follow.p.FollowUp = follow
			bReturned := make(chan struct{})
			first := pipeline(t, env, nil, &heldUntil{RecordWriter: records.Repo{Table: env.Tables.Records}, release: bReturned}, 0)
			second := pipeline(t, env, nil, nil, 0)
			first.FollowUp, second.FollowUp = follow, follow
			var wg sync.WaitGroup
			var errA, errB error
			wg.Add(2)
			go func() { defer wg.Done(); _, errA = first.Apply(ctx, a.Job.ID, "first") }()
			go func() { defer wg.Done(); defer close(bReturned); _, errB = second.Apply(ctx, b.Job.ID, "second") }()
			wg.Wait()
			follow.wg.Wait()
			if errA != nil || errB != nil || len(follow.errs) > 0 {
				t.Fatalf("applies: %v, %v, follow-ups %v", errA, errB, follow.errs)
			}
			for _, j := range []string{a.Job.ID, b.Job.ID} {
				if got := platformJob(t, env, token, j); got.Job.Status != imports.Done || got.Job.Applied != 1 {
					t.Fatalf("job %s: %+v", j, got)
				}
			}
			want, hours := c.want(p0, p1)
			checkOneRecord(t, env, id, p0, p1, want, hours)
		})
	}
}
