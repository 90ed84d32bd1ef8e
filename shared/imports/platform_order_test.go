package imports_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

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

// sent is a case's two batches, staged: the first at p0, the second as the
// case makes it.
type sent struct {
	id     string
	p0, p1 staff.Person
	a, b   batchAnswer
}

// send sends case c's two batches (people 2i and 2i+1, a record id of prefix).
func (c orderCase) send(t *testing.T, env *stacktest.Env, token, prefix string, i int) sent {
	t.Helper()
	s := sent{p0: env.Data.People[2*i], p1: env.Data.People[2*i+1]}
	s.id = prefix + s.p0.ID
	_, s.a = sendBatch(t, env, token, s.id+"-1", platformRecord(s.id, s.p0, "課程", 2))
	_, s.b = sendBatch(t, env, token, s.id+"-2", c.second(s.id, s.p0, s.p1))
	if s.a.Job.Status != imports.Staged || s.b.Job.Status != imports.Staged {
		t.Fatalf("staged: %+v %+v", s.a.Job, s.b.Job)
	}
	return s
}

// check fails unless both batches are done, a record each, and the second
// batch's record is what holds, once.
func (c orderCase) check(t *testing.T, env *stacktest.Env, token string, s sent) {
	t.Helper()
	for _, j := range []string{s.a.Job.ID, s.b.Job.ID} {
		if got := platformJob(t, env, token, j); got.Job.Status != imports.Done || got.Job.Applied != 1 {
			t.Fatalf("job %s: %+v", j, got)
		}
	}
	want, hours := c.want(s.p0, s.p1)
	checkOneRecord(t, env, s.id, s.p0, s.p1, want, hours)
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
			s := c.send(t, env, token, "NIGHT-", i)
			if n := fireNightly(t, env); !slices.Equal(n.ImportsStarted, []string{s.a.Job.ID}) {
				t.Fatalf("the nightly started %v, want only the older batch %s", n.ImportsStarted, s.a.Job.ID)
			}
			c.check(t, env, token, s)
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

// heldUntil holds its writes of records until release is closed.
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
			s := c.send(t, env, token, "ONCE-", i)
			follow := &goApply{p: pipeline(t, env, nil, nil, 0)}
			follow.p.FollowUp = follow
			bReturned := make(chan struct{})
			first := pipeline(t, env, nil, &heldUntil{RecordWriter: records.Repo{Table: env.Tables.Records}, release: bReturned}, 0)
			second := pipeline(t, env, nil, nil, 0)
			first.FollowUp, second.FollowUp = follow, follow
			var wg sync.WaitGroup
			var errA, errB error
			wg.Add(2)
			go func() { defer wg.Done(); _, errA = first.Apply(ctx, s.a.Job.ID, "first") }()
			go func() { defer wg.Done(); defer close(bReturned); _, errB = second.Apply(ctx, s.b.Job.ID, "second") }()
			wg.Wait()
			follow.wg.Wait()
			if errA != nil || errB != nil || len(follow.errs) > 0 {
				t.Fatalf("applies: %v, %v, follow-ups %v", errA, errB, follow.errs)
			}
			c.check(t, env, token, s)
			if !slices.Equal(follow.invoked, []string{s.b.Job.ID}) {
				t.Fatalf("follow-ups %v, want the newer batch started once the older was done", follow.invoked)
			}
		})
	}
}

// recorder is an invoker that only records what it was asked to start.
type recorder struct{ ids []string }

func (r *recorder) Invoke(_ context.Context, id string) error {
	r.ids = append(r.ids, id)
	return nil
}

// failing fails every write of records.
type failing struct{ imports.RecordWriter }

func (failing) WriteRecords(context.Context, []records.Record) error {
	return errors.New("simulated outage")
}

// The chain through crashes: a died apply of a client's older batch holds
// the newer one (the nightly and a stray invocation start only the older;
// the sweep resumes it) and the resumed run starts the newer when it ends;
// invoked again once done, it starts the newer again (a lost invocation does
// not stop the chain). A batch whose apply keeps dying is ended after
// PlatformDeaths died runs, its rows not applied failed with
// apply_abandoned, and the chain goes on.
func TestPlatformChainThroughCrashes(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	ctx := context.Background()
	p := env.Data.People
	real := records.Repo{Table: env.Tables.Records}
	expire := func(id string) {
		t.Helper()
		if err := env.Tables.Directory.Update("pk", "IMPORT#"+id).Range("sk", "JOB").
			Set("lease", time.Now().Add(-time.Second)).Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	status := func(id string) batchAnswer {
		t.Helper()
		return platformJob(t, env, token, id)
	}

	_, a := sendBatch(t, env, token, "chain-1", platformRecord("CH-1", p[0], "課程", 2))
	_, b := sendBatch(t, env, token, "chain-2", platformRecord("CH-1", p[1], "課程", 3))
	started := &recorder{}
	doomed := pipeline(t, env, nil, &crashAfterWrite{RecordWriter: real}, 0)
	doomed.FollowUp = started
	if _, err := doomed.Apply(ctx, a.Job.ID, "doomed"); err == nil {
		t.Fatal("the doomed run did not fail")
	}
	expire(a.Job.ID)
	plain := pipeline(t, env, nil, nil, 0)
	plain.FollowUp = started
	if ids, err := plain.Stuck(ctx); err != nil || !slices.Equal(ids, []string{a.Job.ID}) {
		t.Fatalf("sweep: %v %v, want the died older batch only", ids, err)
	}
	if ids, err := plain.Queued(ctx); err != nil || !slices.Equal(ids, []string{a.Job.ID}) {
		t.Fatalf("nightly: %v %v, want the older batch only", ids, err)
	}
	if j, err := plain.Apply(ctx, b.Job.ID, "stray"); err != nil || j.Status != imports.Staged {
		t.Fatalf("the newer batch applied while the older is unfinished: %+v %v", j, err)
	}
	if j, err := plain.Apply(ctx, a.Job.ID, "resume"); err != nil || j.Status != imports.Done {
		t.Fatalf("resume: %+v %v", j, err)
	}
	if !slices.Equal(started.ids, []string{b.Job.ID}) {
		t.Fatalf("the resumed run started %v, want the newer batch", started.ids)
	}
	if _, err := plain.Apply(ctx, a.Job.ID, "again"); err != nil || !slices.Equal(started.ids, []string{b.Job.ID, b.Job.ID}) {
		t.Fatalf("invoked again once done: started %v (%v), want the newer batch again", started.ids, err)
	}
	for range 2 { // the newer batch started twice: applied once
		if j, err := plain.Apply(ctx, b.Job.ID, "next"); err != nil || j.Status != imports.Done {
			t.Fatalf("the newer batch: %+v %v", j, err)
		}
	}
	checkOneRecord(t, env, "CH-1", p[0], p[1], p[1], 3)
	if j := status(b.Job.ID); j.Job.Runs != b.Job.Runs+1 || j.Job.Applied != 1 { // runs counts the staging too
		t.Fatalf("the newer batch was claimed %d times after its staging, applied %d", j.Job.Runs-b.Job.Runs, j.Job.Applied)
	}

	// A batch that cannot be applied: ended after PlatformDeaths died runs.
	_, c := sendBatch(t, env, token, "chain-3", platformRecord("CH-2", p[2], "課程", 2), platformRecord("CH-3", p[2], "課程", 2))
	_, d := sendBatch(t, env, token, "chain-4", platformRecord("CH-2", p[2], "課程", 4))
	started.ids = nil
	broken := pipeline(t, env, nil, failing{}, 0)
	broken.FollowUp = started
	for i := 0; i <= imports.PlatformDeaths; i++ { // the first run and PlatformDeaths-1 resumes fail
		if _, err := broken.Apply(ctx, c.Job.ID, fmt.Sprintf("run-%d", i)); i < imports.PlatformDeaths && err == nil {
			t.Fatalf("run %d did not fail", i)
		} else if i == imports.PlatformDeaths && err != nil {
			t.Fatalf("the run that ends it: %v", err)
		}
		if len(started.ids) > 0 && i < imports.PlatformDeaths {
			t.Fatalf("the next batch started after %d died runs: %v", i+1, started.ids)
		}
		expire(c.Job.ID)
	}
	ended := status(c.Job.ID)
	if ended.Job.Status != imports.Done || ended.Job.Failed != 2 || ended.Job.Applied != 0 || len(ended.Records) != 2 {
		t.Fatalf("ended: %+v", ended)
	}
	for _, r := range ended.Records {
		if r.Status != imports.RowFailed || r.Code != imports.CodeApplyAbandoned || !strings.Contains(r.Message, "重送") {
			t.Fatalf("a record of the ended batch: %+v", r)
		}
	}
	if !slices.Equal(started.ids, []string{d.Job.ID}) {
		t.Fatalf("after the ended batch: started %v, want the next", started.ids)
	}
	if j, err := plain.Apply(ctx, d.Job.ID, "after"); err != nil || j.Status != imports.Done || j.Applied != 1 {
		t.Fatalf("the batch after the ended one: %+v %v", j, err)
	}
}

// Defence in depth, whatever starts the applies: an older batch applied
// after a newer one of the same record id (its queue item taken away and put
// back, which the chain never does) writes neither the record nor its
// pointer: the newer batch's record stays, once, and the older's row says
// superseded. A pointer write of an older order never replaces a newer one.
func TestPlatformOlderBatchNeverOverwritesANewer(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	ctx := context.Background()
	p := env.Data.People
	_, a := sendBatch(t, env, token, "late-1", platformRecord("LATE-1", p[0], "課程", 2))
	_, b := sendBatch(t, env, token, "late-2", platformRecord("LATE-1", p[1], "課程", 3))
	sk := a.Job.StagedAt.UTC().Format(time.RFC3339Nano) + "#" + a.Job.ID
	if err := env.Tables.Directory.Delete("pk", "IMPORTQ").Range("sk", sk).Run(ctx); err != nil {
		t.Fatal(err)
	}
	plain := pipeline(t, env, nil, nil, 0)
	if j, err := plain.Apply(ctx, b.Job.ID, "newer"); err != nil || j.Status != imports.Done {
		t.Fatalf("the newer batch: %+v %v", j, err)
	}
	if err := env.Tables.Directory.Put(map[string]any{"pk": "IMPORTQ", "sk": sk, "job": a.Job.ID}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if j, err := plain.Apply(ctx, a.Job.ID, "older"); err != nil || j.Status != imports.Done || j.Failed != 1 {
		t.Fatalf("the older batch: %+v %v", j, err)
	}
	if r := platformJob(t, env, token, a.Job.ID).Records; len(r) != 1 || r[0].Code != imports.CodeSuperseded {
		t.Fatalf("the older batch's record: %+v", r)
	}
	checkOneRecord(t, env, "LATE-1", p[0], p[1], p[1], 3)

	ptrs := imports.PlatformPointers{Table: env.Tables.Directory}
	rec := records.Record{ID: "P#ptr-order", PersonID: p[2].ID, Year: 2026}
	newer, older := "2026-11-30T01:00:00.000000000Z#b", "2026-11-30T00:59:59.999999999Z#a"
	if kept, err := ptrs.Put(ctx, []records.Record{rec}, newer); err != nil || len(kept) != 0 {
		t.Fatalf("first pointer: %v %v", kept, err)
	}
	moved := rec
	moved.PersonID = p[3].ID
	if kept, err := ptrs.Put(ctx, []records.Record{moved}, older); err != nil || !slices.Equal(kept, []string{rec.ID}) {
		t.Fatalf("an older order's pointer: kept %v %v, want the newer kept", kept, err)
	}
	if got, err := ptrs.Get(ctx, []records.Record{rec}); err != nil || got[rec.ID].PersonID != p[2].ID || got[rec.ID].Order != newer {
		t.Fatalf("pointer after an older write: %+v %v", got, err)
	}
	if kept, err := ptrs.Put(ctx, []records.Record{moved}, newer); err != nil || len(kept) != 0 {
		t.Fatalf("the same order again (a rerun): %v %v", kept, err)
	}
}
