package statistics_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report/reporttest"
)

// TestCourseExecution: R2's classes, enrolled, approved, completed and hours
// per top-level category and per organising agency (and with a rank group),
// against the demo's classes (one cancelled: left out), enrollments (pending
// and approved only) and records counted in the test:
// computed on request, then read from the nightly rollups (統計時間 theirs).
func TestCourseExecution(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 60})
	top := reporttest.TopCategory(t)
	tbl, _ := codes.Default(codes.Categories)
	scope := reporttest.Subtree(env.Data.Agencies, demo.MOI)
	kinds := map[string]agency.Kind{}
	names := map[string]string{}
	for _, a := range env.Data.Agencies {
		kinds[a.Code] = a.Kind
		names[a.Code] = a.Name
	}
	rank := map[string]string{}
	for _, p := range env.Data.People {
		rank[p.ID] = p.Rank
	}
	// a class of the scope that ended and had learners is cancelled (停辦):
	// R2 leaves it out, its enrollments and records with it
	classes := append([]catalog.Class(nil), env.Data.Classes...)
	learners := map[string]int{}
	for _, r := range env.Data.Records {
		learners[catalog.ClassKey(r.CourseCode, r.Session)]++
	}
	cancelled := -1
	for i, c := range classes {
		if scope[c.Agency] && kinds[c.Agency] != agency.KindEnterprise && c.End < env.Day(0) && c.End >= strconv.Itoa(env.Year()-1) &&
			(cancelled < 0 || learners[c.Key()] > learners[classes[cancelled].Key()]) {
			cancelled = i
		}
	}
	if cancelled < 0 || learners[classes[cancelled].Key()] == 0 {
		t.Fatal("no class of MOI's subtree ended with learners: nothing to cancel")
	}
	if err := (catalog.Repo{Table: env.Tables.Catalog}).CancelClass(context.Background(), classes[cancelled], env.Now()); err != nil {
		t.Fatal(err)
	}
	classes[cancelled].Status = catalog.Cancelled
	type counts struct{ classes, enrolled, approved, completed, hours int }
	checked, rejected := 0, 0
	for _, phase := range []string{"on request", "rollups"} {
		var rolled time.Time
		if phase == "rollups" {
			rolled = rollup(t, env)
		}
		for _, y := range []int{env.Year() - 1, env.Year()} {
			for _, group := range []string{"", "薦任"} {
				keep := func(id string) bool { return group == "" || strings.HasPrefix(rank[id], group) }
				want := map[string]map[string]*counts{"category": {}, "agency": {}}
				var total counts
				for _, c := range classes {
					if !scope[c.Agency] || kinds[c.Agency] == agency.KindEnterprise || !strings.HasPrefix(c.End, strconv.Itoa(y)+"-") ||
						c.Status == catalog.Cancelled {
						continue
					}
					var e counts
					e.classes = 1
					for _, en := range env.Data.Enrollments {
						if en.CourseCode == c.CourseCode && en.Session == c.Session && keep(en.PersonID) {
							if en.Status != catalog.Pending && en.Status != catalog.Approved { // L5's 已報名: pending + approved
								rejected++
								continue
							}
							e.enrolled++
							if en.Status == catalog.Approved {
								e.approved++
							}
						}
					}
					for _, r := range env.Data.Records {
						if r.CourseCode == c.CourseCode && r.Session == c.Session && keep(r.PersonID) &&
							r.Status == records.Final && r.Passed != nil && *r.Passed {
							e.completed++
							e.hours += r.Hours
						}
					}
					topName := top(c.Category)
					if en, ok := tbl.Lookup(topName); ok {
						topName = en.Name
					}
					for by, k := range map[string]string{"category": topName, "agency": names[c.Agency]} {
						if want[by][k] == nil {
							want[by][k] = &counts{}
						}
						w := want[by][k]
						w.classes += e.classes
						w.enrolled += e.enrolled
						w.approved += e.approved
						w.completed += e.completed
						w.hours += e.hours
					}
					total.hours += e.hours
				}
				for _, by := range []string{"category", "agency"} {
					path := "/api/reports/R2?scope=subtree&by=" + by + "&year=" + strconv.Itoa(y)
					if group != "" {
						path += "&rankGroup=" + group
					}
					a := reporttest.Get(t, env, "moi.admin", path)
					if phase == "rollups" && (a.ComputedAt == nil || !a.ComputedAt.Equal(rolled)) {
						t.Errorf("%s %d %s by %s: 統計時間 %v, want the rollup's %v", phase, y, group, by, a.ComputedAt, rolled)
					}
					if len(a.Rows) != len(want[by]) {
						t.Errorf("%s %d %s by %s: %d rows, want %d", phase, y, group, by, len(a.Rows), len(want[by]))
					}
					checked += len(a.Rows)
					for _, r := range a.Rows {
						w := want[by][reporttest.Str(r["group"])]
						if w == nil {
							t.Errorf("%s %d %s by %s: row %s not expected", phase, y, group, by, r["group"])
							continue
						}
						got := counts{reporttest.Num(t, r["classes"]), reporttest.Num(t, r["enrolled"]), reporttest.Num(t, r["approved"]),
							reporttest.Num(t, r["completed"]), reporttest.Num(t, r["hours"])}
						if got != *w {
							t.Errorf("%s %d %s by %s %s: %+v, want %+v", phase, y, group, by, reporttest.Str(r["group"]), got, *w)
						}
					}
					if reporttest.Num(t, a.Total["hours"]) != total.hours {
						t.Errorf("%s %d %s by %s: total hours %s, want %d", phase, y, group, by, a.Total["hours"], total.hours)
					}
				}
			}
		}
	}
	if checked == 0 || rejected == 0 {
		t.Fatal("no row checked, or no rejected enrollment: the demo has no class of MOI's subtree in these years")
	}
}
