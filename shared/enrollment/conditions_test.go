package enrollment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// These tests call the repository with stale state, so that the condition
// expression of the transaction is what refuses: the service's own checks
// are not in the way. `make mutate` removes and negates each condition of
// enroll.go and expects these to fail.

type repoFixture struct {
	classes catalog.Repo
	repo    enrollment.Repo
	n       int
}

func newRepoFixture(t *testing.T) *repoFixture {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	return &repoFixture{classes: catalog.Repo{Table: env.Tables.Catalog},
		repo: enrollment.Repo{DB: env.Tables.DB, Table: env.Tables.Catalog}}
}

// class stores a new class of the given capacity.
func (f *repoFixture) class(t *testing.T, capacity int, stopWhenFull bool) catalog.Class {
	t.Helper()
	f.n++
	now := time.Now().UTC().Truncate(time.Millisecond)
	c := catalog.Class{CourseCode: fmt.Sprintf("ENRCOND-%d", f.n), Session: "1", Name: "報名條件測試班", Agency: "A", Category: "3111",
		Nature: catalog.Physical, Method: catalog.Open, Start: "2099-01-02", End: "2099-01-03", Unit: catalog.UnitHour,
		Amount: 6, Hours: 6, Capacity: capacity, StopWhenFull: stopWhenFull, Location: "臺北市", Year: 2099,
		Created: now, Updated: now}
	if err := f.classes.CreateClass(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *repoFixture) enroll(t *testing.T, c catalog.Class, person string) {
	t.Helper()
	e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: person, Agency: "A", Status: catalog.Pending, At: time.Now()}
	if err := f.repo.Enroll(context.Background(), c, e); err != nil {
		t.Fatalf("enroll %s: %v", person, err)
	}
}

func (f *repoFixture) decide(t *testing.T, c catalog.Class, person, decision string) error {
	return f.repo.Decide(context.Background(), c, person, decision, "名額保留給本機關", "moi.course", time.Now())
}

// stored returns the class as stored and the status of each person's enrollment ("" when there is none).
func (f *repoFixture) stored(t *testing.T, c catalog.Class, people ...string) (catalog.Class, []string) {
	t.Helper()
	ctx := context.Background()
	cur, err := f.classes.Get(ctx, c.CourseCode, c.Session)
	if err != nil {
		t.Fatalf("class %s: %v", c.Key(), err)
	}
	var statuses []string
	for _, p := range people {
		e, err := f.repo.Enrollment(ctx, c, p)
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

// Approval, rejection and withdrawal act only on a pending enrollment. Without
// the conditions a rejected enrollee is approved without a seat, an approved
// one loses their seat, and deciding on nobody makes a phantom enrollment.
func TestDecisionsActOnlyOnPending(t *testing.T) {
	f := newRepoFixture(t)
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
		{"approve a rejected enrollment", enrollment.Reject, func(c catalog.Class) error { return f.decide(t, c, "P", enrollment.Approve) },
			errcode.Conflict, catalog.Rejected, 0, true},
		{"approve nobody", "", func(c catalog.Class) error { return f.decide(t, c, "Q", enrollment.Approve) },
			errcode.NotFound, catalog.Pending, 1, true},
		{"reject an approved enrollment", enrollment.Approve, func(c catalog.Class) error { return f.decide(t, c, "P", enrollment.Reject) },
			errcode.ApprovalFinal, catalog.Approved, 1, true},
		{"reject nobody", "", func(c catalog.Class) error { return f.decide(t, c, "Q", enrollment.Reject) },
			errcode.NotFound, catalog.Pending, 1, true},
		{"withdraw an approved enrollment", enrollment.Approve, func(c catalog.Class) error { return f.repo.Withdraw(ctx, c, "P") },
			errcode.ApprovalFinal, catalog.Approved, 1, true},
		{"withdraw a rejected enrollment", enrollment.Reject, func(c catalog.Class) error { return f.repo.Withdraw(ctx, c, "P") },
			errcode.Conflict, catalog.Rejected, 0, true},
		{"withdraw nobody (already withdrawn)", "", func(c catalog.Class) error { return f.repo.Withdraw(ctx, c, "Q") },
			errcode.NotFound, catalog.Pending, 1, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := f.class(t, 10, true)
			f.enroll(t, c, "P")
			if tc.prior != "" {
				if err := f.decide(t, c, "P", tc.prior); err != nil {
					t.Fatal(err)
				}
			}
			wantCode(t, tc.name, tc.act(c), tc.code)
			cur, st := f.stored(t, c, "P", "Q")
			if st[0] != tc.status || st[1] != "" || cur.Enrolled != tc.enrolled {
				t.Fatalf("after %s: P %q, Q %q, enrolled %d; want P %q, no Q, enrolled %d", tc.name, st[0], st[1], cur.Enrolled, tc.status, tc.enrolled)
			}
		})
	}
	// The same decision again is a retry, not an error, and changes no counter.
	c := f.class(t, 10, true)
	f.enroll(t, c, "P")
	for range 2 {
		if err := f.decide(t, c, "P", enrollment.Reject); err != nil {
			t.Fatalf("reject (retried): %v", err)
		}
	}
	if cur, st := f.stored(t, c, "P"); st[0] != catalog.Rejected || cur.Enrolled != 0 {
		t.Fatalf("after a retried rejection: %q, enrolled %d", st[0], cur.Enrolled)
	}
}

// Enrollment is refused by the database when the class was cancelled or
// deleted after the learner's page was read, is full, or already has them.
func TestEnrollRefusedByTheClassItem(t *testing.T) {
	f := newRepoFixture(t)
	ctx := context.Background()
	e := func(c catalog.Class, p string) catalog.Enrollment {
		return catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: p, Agency: "A", Status: catalog.Pending, At: time.Now()}
	}

	cancelled := f.class(t, 10, false)
	if err := f.classes.CancelClass(ctx, cancelled, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.repo.Enroll(ctx, cancelled, e(cancelled, "P")); err == nil { // cancelled is the stale copy
		t.Fatal("enrolled into a cancelled class")
	}
	if cur, st := f.stored(t, cancelled, "P"); st[0] != "" || cur.Enrolled != 0 {
		t.Fatalf("cancelled class: P %q, enrolled %d", st[0], cur.Enrolled)
	}

	gone := catalog.Class{CourseCode: "COND-GONE", Session: "1", Capacity: 10}
	if err := f.repo.Enroll(ctx, gone, e(gone, "P")); err == nil {
		t.Fatal("enrolled into a class that does not exist")
	}
	if _, err := f.classes.Get(ctx, gone.CourseCode, gone.Session); !errcode.Is(err, errcode.NotFound) {
		t.Fatalf("enrolling made a phantom class: %v", err)
	}

	full := f.class(t, 1, true)
	f.enroll(t, full, "P")
	wantCode(t, "enroll into a full class", f.repo.Enroll(ctx, full, e(full, "Q")), errcode.ClassFull)
	wantCode(t, "enroll twice", f.repo.Enroll(ctx, full, e(full, "P")), errcode.Conflict)
	if cur, st := f.stored(t, full, "P", "Q"); st[0] != catalog.Pending || st[1] != "" || cur.Enrolled != 1 {
		t.Fatalf("full class: P %q, Q %q, enrolled %d", st[0], st[1], cur.Enrolled)
	}
}
