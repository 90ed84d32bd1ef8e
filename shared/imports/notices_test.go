package imports_test

import (
	"fmt"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/report/reporttest"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// H6's correction notices: an upload that changes a record a score download
// (P1) delivered opens a notice for the learner's agency; H6 counts exactly
// the records P1's 「僅更正通知」 lists, and downloading them closes it. A
// record never downloaded, or rewritten unchanged, gets none.
func TestCorrectionNotices(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 80, Classes: 5})
	var p []staff.Person
	for _, person := range env.Data.People {
		if person.Agency == demo.MOI {
			p = append(p, person)
		}
	}
	if len(p) < 3 {
		t.Fatalf("the demo has %d people of MOI, want 3", len(p))
	}
	row := func(person staff.Person, course string, hours int) string {
		return fmt.Sprintf("%s,%s,國家文官學院,%s,115/10/05,115/10/05,3111,%d,1,2,,%d,A,90\r\n",
			person.NationalID, person.Name, course, hours, hours)
	}
	apply := func(file string) {
		t.Helper()
		j := upload(t, env, "moi.course", imports.HoursExternal, "時數.csv", []byte(extHeader+file))
		if j.Status != imports.Staged || j.Waiting != 3 {
			t.Fatalf("staged job: %+v", j)
		}
		fireNightly(t, env)
		if j = job(t, env, "moi.course", j.ID); j.Status != imports.Done || j.Applied != 3 {
			t.Fatalf("applied job: %+v", j)
		}
	}
	todo := func() int {
		t.Helper()
		var page struct{ Todo struct{ Corrections int } }
		env.As(t, "moi.hr", "GET", "/api/home", nil).JSON(t, &page)
		return page.Todo.Corrections
	}
	const notices = "/api/reports/P1?year=2026&notices=1"
	download := func(params map[string]string) {
		t.Helper()
		res := env.As(t, "moi.hr", "POST", "/api/exports/P1", map[string]any{"format": "xlsx", "params": params, "password": "Scores-115!"})
		if res.Status != 202 {
			t.Fatalf("P1 export: %d %s", res.Status, res.Body)
		}
		var j export.Job
		res.JSON(t, &j)
		env.WaitAsync()
		if env.As(t, "moi.hr", "GET", "/api/exports/jobs/"+j.ID, nil).JSON(t, &j); j.Status != export.Done {
			t.Fatalf("P1 export job: %+v", j)
		}
	}

	apply(row(p[0], "更正甲", 6) + row(p[1], "未下載乙", 6) + row(p[2], "更正丙", 6))
	if n := todo(); n != 0 {
		t.Fatalf("%d notices before any download", n)
	}
	// P1 delivers 更正甲 and 更正丙, not 未下載乙.
	download(map[string]string{"year": "2026", "courseName": "更正"})
	// All three rewritten: 甲 and 乙 with other hours, 丙 unchanged.
	apply(row(p[0], "更正甲", 8) + row(p[1], "未下載乙", 8) + row(p[2], "更正丙", 6))
	listed := reporttest.All(t, env, "moi.hr", notices)
	if n := todo(); n != 1 || len(listed) != 1 {
		t.Fatalf("H6 counts %d notices, P1 lists %d: want 1 each (%v)", n, len(listed), listed)
	}
	if string(listed[0]["courseName"]) != `"更正甲"` || string(listed[0]["hours"]) != "8" {
		t.Errorf("P1's notice row %s, want 更正甲 with its corrected 8 hours", listed[0])
	}
	// Another year's list holds none of it.
	if other := reporttest.All(t, env, "moi.hr", "/api/reports/P1?year=2025&notices=1"); len(other) != 0 {
		t.Errorf("2025's notices: %v", other)
	}
	// Downloading the notices closes them.
	download(map[string]string{"year": "2026", "notices": "1"})
	if n, listed := todo(), reporttest.All(t, env, "moi.hr", notices); n != 0 || len(listed) != 0 {
		t.Fatalf("after the download: H6 %d, P1 lists %d; want 0", n, len(listed))
	}
	// The corrected record was delivered again: P1 marks it downloaded.
	if rows := reporttest.All(t, env, "moi.hr", "/api/reports/P1?year=2026&courseName=更正甲"); len(rows) != 1 || string(rows[0]["downloaded"]) != `"是"` {
		t.Errorf("更正甲 after its notice's download: %v", rows)
	}
}
