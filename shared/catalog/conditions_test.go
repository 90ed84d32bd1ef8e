package catalog_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
)

// These tests call the repository with stale state (or put a second writer
// between its read and its write), so that the condition expression of the
// write is what refuses: the service's own checks are not in the way.
// `make mutate` removes and negates each condition and expects these to fail.

type repoFixture struct {
	env     *stacktest.Env
	repo    catalog.Repo
	enrolls enrollment.Repo // the enrollments that the class conditions count
	n       int
}

func newRepoFixture(t *testing.T) *repoFixture {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	return &repoFixture{env: env, repo: catalog.Repo{Table: env.Tables.Catalog},
		enrolls: enrollment.Repo{DB: env.Tables.DB, Table: env.Tables.Catalog}}
}

// class stores a new class of the given capacity.
func (f *repoFixture) class(t *testing.T, capacity int, stopWhenFull bool) catalog.Class {
	t.Helper()
	f.n++
	now := time.Now().UTC().Truncate(time.Millisecond)
	c := catalog.Class{CourseCode: fmt.Sprintf("COND-%d", f.n), Session: "1", Name: "條件測試班", Agency: "A", Category: "3111",
		Nature: catalog.Physical, Method: catalog.Open, Start: "2099-01-02", End: "2099-01-03", Unit: catalog.UnitHour,
		Amount: 6, Hours: 6, Capacity: capacity, StopWhenFull: stopWhenFull, Location: "臺北市", Year: 2099,
		Created: now, Updated: now}
	if err := f.repo.CreateClass(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *repoFixture) enroll(t *testing.T, c catalog.Class, person string) {
	t.Helper()
	e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: person, Agency: "A", Status: catalog.Pending, At: time.Now()}
	if err := f.enrolls.Enroll(context.Background(), c, e); err != nil {
		t.Fatalf("enroll %s: %v", person, err)
	}
}

// stored returns the class as stored and the status of each person's enrollment ("" when there is none).
func (f *repoFixture) stored(t *testing.T, c catalog.Class, people ...string) (catalog.Class, []string) {
	t.Helper()
	ctx := context.Background()
	cur, err := f.repo.Get(ctx, c.CourseCode, c.Session)
	if err != nil {
		t.Fatalf("class %s: %v", c.Key(), err)
	}
	var statuses []string
	for _, p := range people {
		e, err := f.enrolls.Enrollment(ctx, c, p)
		switch {
		case errcode.Is(err, errcode.NotFound):
			statuses = append(statuses, "")
		case err != nil:
			t.Fatal(err)
		default:
			statuses = append(statuses, e.Status)
		}
	}
	return cur, statuses
}

func wantCode(t *testing.T, what string, err error, code errcode.Code) {
	t.Helper()
	if !errcode.Is(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}

// Class writes refuse stale state: an edit made from an old copy, a capacity
// under the enrolled, a duplicate class, a cancel or delete of what is not
// (or no longer) there.
func TestClassWritesRefuseStaleState(t *testing.T) {
	f := newRepoFixture(t)
	ctx := context.Background()

	c := f.class(t, 5, true)
	dup := c
	dup.Name = "撞號"
	wantCode(t, "create a duplicate class", f.repo.CreateClass(ctx, dup), errcode.Conflict)

	stale := c
	stale.Name = "舊版本的修改"
	stale.Updated = c.Updated.Add(time.Second)
	wantCode(t, "edit from a stale copy", f.repo.UpdateClass(ctx, c.Updated.Add(-time.Second), stale), errcode.Conflict)
	if cur, _ := f.stored(t, c); cur.Name != c.Name {
		t.Fatalf("a refused edit or duplicate changed the class: %q", cur.Name)
	}

	for _, p := range []string{"P1", "P2", "P3"} {
		f.enroll(t, c, p)
	}
	small := c
	small.Capacity, small.Updated = 2, c.Updated.Add(time.Second)
	err := f.repo.UpdateClass(ctx, c.Updated, small)
	if e := errcode.As(err); e.Code != errcode.Invalid || e.Field != "capacity" {
		t.Fatalf("capacity under the enrolled: %v", err)
	}
	if cur, _ := f.stored(t, c); cur.Capacity != 5 || cur.Enrolled != 3 {
		t.Fatalf("after a refused capacity: capacity %d, enrolled %d", cur.Capacity, cur.Enrolled)
	}
	ok := c
	ok.Capacity, ok.Updated = 3, c.Updated.Add(time.Second)
	if err := f.repo.UpdateClass(ctx, c.Updated, ok); err != nil {
		t.Fatalf("capacity equal to the enrolled: %v", err)
	}

	gone := catalog.Class{CourseCode: "COND-NONE", Session: "1", Name: "不存在", Updated: time.Now()}
	if err := f.repo.UpdateClass(ctx, time.Time{}, gone); err == nil {
		t.Fatal("edited a class that does not exist")
	}
	if err := f.repo.CancelClass(ctx, gone, time.Now()); err == nil {
		t.Fatal("cancelled a class that does not exist")
	}
	if _, err := f.repo.Get(ctx, gone.CourseCode, gone.Session); !errcode.Is(err, errcode.NotFound) {
		t.Fatalf("an edit or cancel made a phantom class: %v", err)
	}
}

// A learner who enrolls between DeleteClass's look for enrollments and its
// delete keeps the class: the condition on the counter is what refuses.
func TestDeleteClassRacingAnEnrollment(t *testing.T) {
	f := newRepoFixture(t)
	ctx := context.Background()
	c := f.class(t, 10, false)
	racing := storetest.Racing(t, f.env.Getenv, storetest.Hook{Op: "DeleteItem", N: 1, Do: func() { f.enroll(t, c, "LATE") }})
	slow := catalog.Repo{Table: racing.Table(f.repo.Table.Name())}
	wantCode(t, "delete while a learner enrolls", slow.DeleteClass(ctx, c), errcode.Conflict)
	if cur, st := f.stored(t, c, "LATE"); st[0] != catalog.Pending || cur.Enrolled != 1 {
		t.Fatalf("after the race: LATE %q, enrolled %d", st[0], cur.Enrolled)
	}
	// With nobody enrolled it is deleted.
	empty := f.class(t, 10, false)
	if err := f.repo.DeleteClass(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if _, err := f.repo.Get(ctx, empty.CourseCode, empty.Session); !errcode.Is(err, errcode.NotFound) {
		t.Fatalf("deleted class still there: %v", err)
	}
}
