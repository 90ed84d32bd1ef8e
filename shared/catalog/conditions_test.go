package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment/enrolltest"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
)

// These tests call the repository with stale state (or put a second writer
// between its read and its write), so that the condition expression of the
// write is what refuses: the service's own checks are not in the way.
// `make mutate` removes and negates each condition and expects these to fail.

// Class writes refuse stale state: an edit made from an old copy, a capacity
// under the enrolled, a duplicate class, a cancel or delete of what is not
// (or no longer) there.
func TestClassWritesRefuseStaleState(t *testing.T) {
	f := enrolltest.New(t)
	ctx := context.Background()

	c := f.Class(t, 5, true)
	dup := c
	dup.Name = "撞號"
	enrolltest.WantCode(t, "create a duplicate class", f.Classes.CreateClass(ctx, dup), errcode.Conflict)

	stale := c
	stale.Name = "舊版本的修改"
	stale.Updated = c.Updated.Add(time.Second)
	enrolltest.WantCode(t, "edit from a stale copy", f.Classes.UpdateClass(ctx, c.Updated.Add(-time.Second), stale), errcode.Conflict)
	if cur, _ := f.Stored(t, c); cur.Name != c.Name {
		t.Fatalf("a refused edit or duplicate changed the class: %q", cur.Name)
	}

	for _, p := range []string{"P1", "P2", "P3"} {
		f.Enroll(t, c, p)
	}
	small := c
	small.Capacity, small.Updated = 2, c.Updated.Add(time.Second)
	err := f.Classes.UpdateClass(ctx, c.Updated, small)
	if e := errcode.As(err); e.Code != errcode.Invalid || e.Field != "capacity" {
		t.Fatalf("capacity under the enrolled: %v", err)
	}
	if cur, _ := f.Stored(t, c); cur.Capacity != 5 || cur.Enrolled != 3 {
		t.Fatalf("after a refused capacity: capacity %d, enrolled %d", cur.Capacity, cur.Enrolled)
	}
	ok := c
	ok.Capacity, ok.Updated = 3, c.Updated.Add(time.Second)
	if err := f.Classes.UpdateClass(ctx, c.Updated, ok); err != nil {
		t.Fatalf("capacity equal to the enrolled: %v", err)
	}

	gone := catalog.Class{CourseCode: "COND-NONE", Session: "1", Name: "不存在", Updated: time.Now()}
	if err := f.Classes.UpdateClass(ctx, time.Time{}, gone); err == nil {
		t.Fatal("edited a class that does not exist")
	}
	if err := f.Classes.CancelClass(ctx, gone, time.Now()); err == nil {
		t.Fatal("cancelled a class that does not exist")
	}
	if _, err := f.Classes.Get(ctx, gone.CourseCode, gone.Session); !errcode.Is(err, errcode.NotFound) {
		t.Fatalf("an edit or cancel made a phantom class: %v", err)
	}
}

// A learner who enrolls between DeleteClass's look for enrollments and its
// delete keeps the class: the condition on the counter is what refuses.
func TestDeleteClassRacingAnEnrollment(t *testing.T) {
	f := enrolltest.New(t)
	ctx := context.Background()
	c := f.Class(t, 10, false)
	racing := storetest.Racing(t, f.Env.Getenv, storetest.Hook{Op: "TransactWriteItems", N: 1, Do: func() { f.Enroll(t, c, "LATE") }})
	slow := catalog.Repo{Table: racing.Table(f.Classes.Table.Name()), DB: racing}
	enrolltest.WantCode(t, "delete while a learner enrolls", slow.DeleteClass(ctx, c), errcode.Conflict)
	if cur, st := f.Stored(t, c, "LATE"); st[0] != catalog.Pending || cur.Enrolled != 1 {
		t.Fatalf("after the race: LATE %q, enrolled %d", st[0], cur.Enrolled)
	}
	// With nobody enrolled it is deleted.
	empty := f.Class(t, 10, false)
	if err := f.Classes.DeleteClass(ctx, empty); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Classes.Get(ctx, empty.CourseCode, empty.Session); !errcode.Is(err, errcode.NotFound) {
		t.Fatalf("deleted class still there: %v", err)
	}
}
