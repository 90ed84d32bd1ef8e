package statistics_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report/reporttest"
)

// TestCourseExecution: R2's classes, enrolled, approved, completed and hours
// per top-level category (and with a rank group), against the demo's
// classes, enrollments and records counted in the test.
func TestCourseExecution(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 60})
	top := reporttest.TopCategory(t)
	tbl, _ := codes.Default(codes.Categories)
	scope := reporttest.Subtree(env.Data.Agencies, demo.MOI)
	kinds := map[string]agency.Kind{}
	for _, a := range env.Data.Agencies {
		kinds[a.Code] = a.Kind
	}
	rank := map[string]string{}
	for _, p := range env.Data.People {
		rank[p.ID] = p.Rank
	}
	checked := 0
	for _, y := range []int{env.Year() - 1, env.Year()} {
		for _, group := range []string{"", "薦任"} {
			keep := func(id string) bool { return group == "" || strings.HasPrefix(rank[id], group) }
			type counts struct{ classes, enrolled, approved, completed, hours int }
			want := map[string]*counts{}
			var total counts
			for _, c := range env.Data.Classes {
				if !scope[c.Agency] || kinds[c.Agency] == agency.KindEnterprise || !strings.HasPrefix(c.End, strconv.Itoa(y)+"-") {
					continue
				}
				k := top(c.Category)
				if want[k] == nil {
					want[k] = &counts{}
				}
				var e counts
				e.classes = 1
				for _, en := range env.Data.Enrollments {
					if en.CourseCode == c.CourseCode && en.Session == c.Session && keep(en.PersonID) {
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
				for _, w := range []*counts{want[k], &total} {
					w.classes += e.classes
					w.enrolled += e.enrolled
					w.approved += e.approved
					w.completed += e.completed
					w.hours += e.hours
				}
			}
			path := "/api/reports/R2?scope=subtree&year=" + strconv.Itoa(y)
			if group != "" {
				path += "&rankGroup=" + group
			}
			a := reporttest.Get(t, env, "moi.admin", path)
			if len(a.Rows) != len(want) {
				t.Errorf("%d %s: %d rows, want %d", y, group, len(a.Rows), len(want))
			}
			checked += len(a.Rows)
			for _, r := range a.Rows {
				var w *counts
				for k, c := range want {
					if e, _ := tbl.Lookup(k); e.Name == reporttest.Str(r["group"]) {
						w = c
					}
				}
				if w == nil {
					t.Errorf("%d %s: row %s not expected", y, group, r["group"])
					continue
				}
				got := counts{reporttest.Num(t, r["classes"]), reporttest.Num(t, r["enrolled"]), reporttest.Num(t, r["approved"]),
					reporttest.Num(t, r["completed"]), reporttest.Num(t, r["hours"])}
				if got != *w {
					t.Errorf("%d %s %s: %+v, want %+v", y, group, reporttest.Str(r["group"]), got, *w)
				}
			}
			if total.classes > 0 && reporttest.Num(t, a.Total["hours"]) != total.hours {
				t.Errorf("%d %s: total hours %s, want %d", y, group, a.Total["hours"], total.hours)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no row checked: the demo has no class of MOI's subtree in these years")
	}
}
