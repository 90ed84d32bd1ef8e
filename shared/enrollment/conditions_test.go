package enrollment_test

import (
	"context"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment/enrolltest"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// These tests call the repository with stale state, so that the condition
// expression of the transaction is what refuses: the service's own checks
// are not in the way. `make mutate` removes and negates each condition of
// enroll.go and expects these to fail.

// decide approves or rejects person's enrollment in c.
func decide(f *enrolltest.Fixture, c catalog.Class, person, decision string) error {
	return f.Enrollments.Decide(context.Background(), c, person, decision, "名額保留給本機關", "moi.course", time.Now())
}

// Approval, rejection and withdrawal act only on a pending enrollment. Without
// the conditions a rejected enrollee is approved without a seat, an approved
// one loses their seat, and deciding on nobody makes a phantom enrollment.
func TestDecisionsActOnlyOnPending(t *testing.T) {
	f := enrolltest.New(t)
	ctx := context.Background()
	cases := []struct {
		name      string
		prior     string // what happened to person "P" before: "", approve, reject
		act       func(c catalog.Class) error
		code      errcode.Code
		status    string // P's enrollment afterwards ("" none)
		enrolled  int
		nobodyNew bool // "Q" must not have appeared
	}{
		{"approve a rejected enrollment", enrollment.Reject, func(c catalog.Class) error { return decide(f, c, "P", enrollment.Approve) },
			errcode.Conflict, catalog.Rejected, 0, true},
		{"approve nobody", "", func(c catalog.Class) error { return decide(f, c, "Q", enrollment.Approve) },
			errcode.NotFound, catalog.Pending, 1, true},
		{"reject an approved enrollment", enrollment.Approve, func(c catalog.Class) error { return decide(f, c, "P", enrollment.Reject) },
			errcode.ApprovalFinal, catalog.Approved, 1, true},
		{"reject nobody", "", func(c catalog.Class) error { return decide(f, c, "Q", enrollment.Reject) },
			errcode.NotFound, catalog.Pending, 1, true},
		{"withdraw an approved enrollment", enrollment.Approve, func(c catalog.Class) error { return f.Enrollments.Withdraw(ctx, c, "P") },
			errcode.ApprovalFinal, catalog.Approved, 1, true},
		{"withdraw a rejected enrollment", enrollment.Reject, func(c catalog.Class) error { return f.Enrollments.Withdraw(ctx, c, "P") },
			errcode.Conflict, catalog.Rejected, 0, true},
		{"withdraw nobody (already withdrawn)", "", func(c catalog.Class) error { return f.Enrollments.Withdraw(ctx, c, "Q") },
			errcode.NotFound, catalog.Pending, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.Class(t, 10, true)
			f.Enroll(t, c, "P")
			if tc.prior != "" {
				if err := decide(f, c, "P", tc.prior); err != nil {
					t.Fatal(err)
				}
			}
			enrolltest.WantCode(t, tc.name, tc.act(c), tc.code)
			cur, st := f.Stored(t, c, "P", "Q")
			if st[0] != tc.status || st[1] != "" || cur.Enrolled != tc.enrolled {
				t.Fatalf("after %s: P %q, Q %q, enrolled %d; want P %q, no Q, enrolled %d", tc.name, st[0], st[1], cur.Enrolled, tc.status, tc.enrolled)
			}
		})
	}
	// The same decision again is a retry, not an error, and changes no counter.
	c := f.Class(t, 10, true)
	f.Enroll(t, c, "P")
	for range 2 {
		if err := decide(f, c, "P", enrollment.Reject); err != nil {
			t.Fatalf("reject (retried): %v", err)
		}
	}
	if cur, st := f.Stored(t, c, "P"); st[0] != catalog.Rejected || cur.Enrolled != 0 {
		t.Fatalf("after a retried rejection: %q, enrolled %d", st[0], cur.Enrolled)
	}
}

// Enrollment is refused by the database when the class was cancelled or
// deleted after the learner's page was read, is full, or already has them.
func TestEnrollRefusedByTheClassItem(t *testing.T) {
	f := enrolltest.New(t)
	ctx := context.Background()
	e := func(c catalog.Class, p string) catalog.Enrollment {
		return catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: p, Agency: "A", Status: catalog.Pending, At: time.Now()}
	}

	cancelled := f.Class(t, 10, false)
	if err := f.Classes.CancelClass(ctx, cancelled, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.Enrollments.Enroll(ctx, cancelled, e(cancelled, "P")); err == nil { // cancelled is the stale copy
		t.Fatal("enrolled into a cancelled class")
	}
	if cur, st := f.Stored(t, cancelled, "P"); st[0] != "" || cur.Enrolled != 0 {
		t.Fatalf("cancelled class: P %q, enrolled %d", st[0], cur.Enrolled)
	}

	gone := catalog.Class{CourseCode: "COND-GONE", Session: "1", Capacity: 10}
	if err := f.Enrollments.Enroll(ctx, gone, e(gone, "P")); err == nil {
		t.Fatal("enrolled into a class that does not exist")
	}
	if _, err := f.Classes.Get(ctx, gone.CourseCode, gone.Session); !errcode.Is(err, errcode.NotFound) {
		t.Fatalf("enrolling made a phantom class: %v", err)
	}

	// A capacity edited after the learner's copy was read: the check on the
	// class item refuses, nothing is written.
	edited := f.Class(t, 5, true)
	stale := edited
	stale.Capacity = 6
	enrolltest.WantCode(t, "enroll with a stale capacity", f.Enrollments.Enroll(ctx, stale, e(stale, "P")), errcode.Conflict)
	if cur, st := f.Stored(t, edited, "P"); st[0] != "" || cur.Enrolled != 0 {
		t.Fatalf("stale capacity: P %q, enrolled %d", st[0], cur.Enrolled)
	}

	full := f.Class(t, 1, true)
	f.Enroll(t, full, "P")
	// The count is on the seat item: the class item (and so its three
	// indexes) is not rewritten by an enrollment.
	var raw map[string]any
	if err := f.Classes.Table.Get("pk", full.Key()).Range("sk", dynamo.Equal, "CLASS").Consistent(true).One(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["enrolled"]; ok {
		t.Fatalf("an enrollment wrote the class item: %v", raw)
	}
	enrolltest.WantCode(t, "enroll into a full class", f.Enrollments.Enroll(ctx, full, e(full, "Q")), errcode.ClassFull)
	enrolltest.WantCode(t, "enroll twice", f.Enrollments.Enroll(ctx, full, e(full, "P")), errcode.Conflict)
	if cur, st := f.Stored(t, full, "P", "Q"); st[0] != catalog.Pending || st[1] != "" || cur.Enrolled != 1 {
		t.Fatalf("full class: P %q, Q %q, enrolled %d", st[0], st[1], cur.Enrolled)
	}
}
