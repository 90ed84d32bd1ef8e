package records_test

import (
	"context"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// The record writes are conditional on what the caller saw: creating does not
// overwrite, grading and deleting act on an existing record only. Each case
// calls the repository with stale state, so the condition is what refuses
// (`make mutate` removes and negates each one and expects a failure here).
func TestRecordWritesRefuseStaleState(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	repo := records.Repo{Table: env.Tables.Records}
	ctx := context.Background()
	rec := func(person string) records.Record {
		return records.Record{PersonID: person, ID: records.ClassRecordID("COND-1", "1"), Agency: "A", Year: 2099,
			Source: records.SourceClass, CourseCode: "COND-1", Session: "1", CourseName: "條件測試班", Category: "3111",
			Start: "2099-01-02", End: "2099-01-03", Status: records.AwaitingHours, Created: time.Now().UTC()}
	}
	for _, p := range []string{"KEPT", "GONE"} {
		if ok, err := repo.Create(ctx, rec(p)); err != nil || !ok {
			t.Fatalf("create %s: %v %v", p, ok, err)
		}
	}
	// Create again (a second transfer of the same class) keeps the first, graded meanwhile.
	kept := rec("KEPT")
	if missing, err := repo.SetGrades(ctx, []records.Grade{{Record: &kept, Hours: 6, Passed: true}}); err != nil || len(missing) != 0 {
		t.Fatalf("grade: %v %v", missing, err)
	}
	if ok, err := repo.Create(ctx, rec("KEPT")); err != nil || ok {
		t.Fatalf("create over an existing record: wrote %v, %v", ok, err)
	}
	// GONE is deleted while its organiser's grade sheet is open.
	gone := rec("GONE")
	if n, err := repo.Delete(ctx, []*records.Record{&gone}); err != nil || n != 1 {
		t.Fatalf("delete: %d %v", n, err)
	}
	if n, err := repo.Delete(ctx, []*records.Record{&gone}); err != nil || n != 0 {
		t.Fatalf("deleting a deleted record counts %d (%v), want 0", n, err)
	}
	missing, err := repo.SetGrades(ctx, []records.Grade{{Record: &gone, Hours: 6, Passed: true}, {Record: &kept, Hours: 6, Passed: true}})
	if err != nil || len(missing) != 1 || missing[0] != "GONE" {
		t.Fatalf("grading a deleted record: missing %v, %v", missing, err)
	}
	got, err := repo.OfClass(ctx, "COND-1", "1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].PersonID != "KEPT" || got[0].Status != records.Final || got[0].Hours != 6 ||
		got[0].Passed == nil || !*got[0].Passed || got[0].CourseName != "條件測試班" {
		t.Fatalf("records of the class: %+v", got)
	}
}
