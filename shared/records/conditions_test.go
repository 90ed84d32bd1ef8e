package records_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/guregu/dynamo/v2"
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

// L6a grading of a record a score download (P1) already delivered opens a
// correction notice (H6) and clears the mark, so the next download delivers
// the grade — also when the download happened after the organiser read the
// class (the write is conditional on the mark as read). A grade identical to
// what was delivered is no news.
func TestGradingADeliveredRecordOpensANotice(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	repo := records.Repo{Table: env.Tables.Records}
	ctx := context.Background()
	yes := true
	base := records.Record{PersonID: "P1", ID: records.ClassRecordID("NOTE-1", "1"), Agency: "A", Year: 2099,
		Source: records.SourceClass, CourseCode: "NOTE-1", Session: "1", CourseName: "更正通知班", Category: "3111",
		Start: "2099-03-02", End: "2099-03-03", Status: records.Final, Hours: 6, Passed: &yes, Created: time.Now().UTC()}
	same, changed := base, base
	same.PersonID, changed.PersonID = "P2", "P3"
	for _, r := range []records.Record{same, changed} {
		if ok, err := repo.Create(ctx, r); err != nil || !ok {
			t.Fatalf("create %s: %v %v", r.PersonID, ok, err)
		}
	}
	// The organiser reads the class (no download mark yet) ...
	read, err := repo.OfClass(ctx, "NOTE-1", "1")
	if err != nil || len(read) != 2 {
		t.Fatalf("read the class: %d records, %v", len(read), err)
	}
	// ... a personnel officer's download delivers both records ...
	keys := []dynamo.Keys{{"PERSON#P2", "REC#2099#" + base.ID}, {"PERSON#P3", "REC#2099#" + base.ID}}
	if n, err := repo.MarkDownloaded(ctx, keys, "dl-1", time.Now()); err != nil || n != 2 {
		t.Fatalf("mark downloaded: %d %v", n, err)
	}
	// ... and the organiser saves: P2 as delivered, P3 now 8 hours.
	grades := []records.Grade{{Record: &read[0], Hours: 6, Passed: true}, {Record: &read[1], Hours: 8, Passed: true}}
	if read[0].PersonID != "P2" {
		grades[0].Hours, grades[1].Hours = 8, 6
	}
	if missing, err := repo.SetGrades(ctx, grades); err != nil || len(missing) != 0 {
		t.Fatalf("grade: %v %v", missing, err)
	}
	notices, _, _, err := repo.Notices(ctx, "A", 2099, records.AgencyFilter{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || notices[0].PersonID != "P3" || notices[0].Hours != 8 || notices[0].DownloadedBy != "" {
		t.Fatalf("notices after grading: %+v, want P3's record only, 8 hours, download mark cleared", notices)
	}
	got, err := repo.Get(ctx, "P2", 2099, base.ID)
	if err != nil || got.Notice || got.DownloadedBy != "dl-1" {
		t.Fatalf("P2 graded as delivered: notice %v, mark %q (%v); want no notice and the mark kept", got.Notice, got.DownloadedBy, err)
	}
}

// Issue 27, Medium 13: grading a learner below the class's hours left the
// class's figures in the stored split (graded 4 h, stored physical 6 h).
// The stored digital + physical is the graded hours, split by Split over the
// class's parts (a blended class in their proportion, digital rounded down),
// and a regrade splits the class's parts anew, not the last grade's.
func TestGradingSplitsTheGradedHours(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	repo := records.Repo{Table: env.Tables.Records}
	ctx := context.Background()
	for _, c := range []struct {
		nature                   string
		digital, physical        int // the class's parts of 6 or 7 hours
		graded, wantD, wantP     int
		regraded, againD, againP int
	}{
		{"physical", 0, 6, 4, 0, 4, 6, 0, 6},
		{"digital", 6, 0, 4, 4, 0, 5, 5, 0},
		{"blended", 3, 3, 4, 2, 2, 6, 3, 3},
		{"blended", 3, 4, 5, 2, 3, 7, 3, 4},
	} {
		hours := c.digital + c.physical
		r := records.Record{PersonID: "S-" + c.nature + strconv.Itoa(hours), ID: records.ClassRecordID("SPLIT-1", "1"), Agency: "A", Year: 2099,
			Source: records.SourceClass, CourseCode: "SPLIT-1", Session: "1", CourseName: "時數拆分班", Category: "3111",
			Start: "2099-01-02", End: "2099-01-03", Status: records.AwaitingHours, Hours: hours,
			Nature: c.nature, DigitalHours: c.digital, PhysicalHours: c.physical, Created: time.Now().UTC()}
		if _, err := repo.Create(ctx, r); err != nil {
			t.Fatal(err)
		}
		for _, g := range []struct{ hours, d, p int }{{c.graded, c.wantD, c.wantP}, {c.regraded, c.againD, c.againP}} {
			read, err := repo.Get(ctx, r.PersonID, 2099, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := repo.SetGrades(ctx, []records.Grade{{Record: &read.Record, Hours: g.hours, Passed: true,
				Digital: c.digital, Physical: c.physical}}); err != nil {
				t.Fatal(err)
			}
			got, err := repo.Get(ctx, r.PersonID, 2099, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Hours != g.hours || got.DigitalHours != g.d || got.PhysicalHours != g.p {
				t.Errorf("%s %d+%d graded %d: stored %d h = %d digital + %d physical, want %d + %d",
					c.nature, c.digital, c.physical, g.hours, got.Hours, got.DigitalHours, got.PhysicalHours, g.d, g.p)
			}
		}
	}
}
