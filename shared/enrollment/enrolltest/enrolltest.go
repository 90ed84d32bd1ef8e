// Package enrolltest makes classes and enrollments for the conditions tests
// of catalog (a class's conditions count its enrollments) and enrollment, on
// a test stack of their own.
package enrolltest

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

// Fixture is a stack without demo data and the repositories on its tables.
type Fixture struct {
	Env         *stacktest.Env
	Classes     catalog.Repo
	Enrollments enrollment.Repo
	n           int
}

// New starts the stack.
func New(t *testing.T) *Fixture {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	return &Fixture{Env: env, Classes: catalog.Repo{Table: env.Tables.Catalog, DB: env.Tables.DB},
		Enrollments: enrollment.Repo{DB: env.Tables.DB, Table: env.Tables.Catalog}}
}

// Class stores a new class of the given capacity.
func (f *Fixture) Class(t *testing.T, capacity int, stopWhenFull bool) catalog.Class {
	t.Helper()
	f.n++
	now := time.Now().UTC().Truncate(time.Millisecond)
	c := catalog.Class{CourseCode: fmt.Sprintf("COND-%d", f.n), Session: "1", Name: "條件測試班", Agency: "A", Category: "3111",
		Nature: catalog.Physical, Method: catalog.Open, Start: "2099-01-02", End: "2099-01-03", Unit: catalog.UnitHour,
		Amount: 6, Hours: 6, Capacity: capacity, StopWhenFull: stopWhenFull, Location: "臺北市", Year: 2099,
		Created: now, Updated: now}
	if err := f.Classes.CreateClass(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Enroll enrolls person in c (pending).
func (f *Fixture) Enroll(t *testing.T, c catalog.Class, person string) {
	t.Helper()
	e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: person, Agency: "A", Status: catalog.Pending, At: time.Now()}
	if err := f.Enrollments.Enroll(context.Background(), c, e); err != nil {
		t.Fatalf("enroll %s: %v", person, err)
	}
}

// Stored returns the class as stored and the status of each person's enrollment ("" when there is none).
func (f *Fixture) Stored(t *testing.T, c catalog.Class, people ...string) (catalog.Class, []string) {
	t.Helper()
	ctx := context.Background()
	cur, err := f.Classes.Get(ctx, c.CourseCode, c.Session)
	if err != nil {
		t.Fatalf("class %s: %v", c.Key(), err)
	}
	var statuses []string
	for _, p := range people {
		e, err := f.Enrollments.Enrollment(ctx, c, p)
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

// WantCode fails the test unless err has the code.
func WantCode(t *testing.T, what string, err error, code errcode.Code) {
	t.Helper()
	if !errcode.Is(err, code) {
		t.Fatalf("%s: got %v, want %s", what, err, code)
	}
}
