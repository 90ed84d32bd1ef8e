package statistics

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// ClassPeople reads who enrolled in a class and the records it produced.
type ClassPeople interface {
	Enrollees(ctx context.Context, c catalog.Class, status string) ([]catalog.Enrollment, error)
	OfClass(ctx context.Context, code, session string) ([]records.Record, error)
	GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error)
}

// Rank groups (官職等的職等區分): the word a rank starts with.
var rankGroups = []report.Option{{Value: "簡任", Label: "簡任"}, {Value: "薦任", Label: "薦任"}, {Value: "委任", Label: "委任"}}

// R2 課程執行情形表: the scope's classes of a year (by end date, as records
// count), grouped by top-level category or by organising agency: classes,
// enrolled (every enrollment, any state), approved, completed (counted records
// of the class) and their certified hours. A rank group counts only the
// people whose rank is of that group (today's directory).
func (s Reports) r2() report.Definition {
	return report.Definition{
		ID: "R2", Feature: "R2", Name: "課程執行情形表", Group: auth.GroupReports, Scoped: true,
		Params: []report.Param{
			{Key: "by", Label: "報表類型", Kind: report.Select, Default: "category",
				Options: []report.Option{{Value: "category", Label: "依課程類別"}, {Value: "agency", Label: "依開課機關"}}},
			yearParam,
			{Key: "rankGroup", Label: "官職等", Kind: report.Select, Options: rankGroups},
			{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
		},
		Columns: []report.Column{
			{Key: "group", Name: "類別／機關", Type: report.TextColumn},
			{Key: "classes", Name: "班期數", Type: report.NumberColumn},
			{Key: "enrolled", Name: "報名人數", Type: report.NumberColumn},
			{Key: "approved", Name: "錄取人數", Type: report.NumberColumn},
			{Key: "completed", Name: "完成人數", Type: report.NumberColumn},
			{Key: "hours", Name: "認證時數", Type: report.NumberColumn},
		},
		Rows: s.r2Rows,
	}
}

type execution struct{ classes, enrolled, approved, completed, hours int }

func (s Reports) r2Rows(ctx context.Context, q report.Query) (report.Page, error) {
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return report.Page{}, err
	}
	y := yearOf(q)
	var classes []catalog.Class
	for _, a := range q.Agencies {
		if !notEnterprise(a) {
			continue
		}
		for _, start := range []int{y - 1, y} { // a class's year is its start's; it counts in its end's
			after := ""
			for {
				p, err := s.Classes.SearchClasses(ctx, catalog.ClassFilter{Agency: a.Code, Year: start, Category: q.Params["category"], After: after, Limit: 500})
				if err != nil {
					return report.Page{}, err
				}
				for _, c := range p.Items {
					if strings.HasPrefix(c.End, strconv.Itoa(y)+"-") {
						classes = append(classes, c)
					}
				}
				if p.Next == "" {
					break
				}
				after = p.Next
			}
		}
	}
	counts := make([]execution, len(classes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, c := range classes {
		g.Go(func() error {
			e, err := s.execution(gctx, c, q.Params["rankGroup"])
			counts[i] = e
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return report.Page{}, err
	}
	by := map[string]*execution{}
	label := func(c catalog.Class) string {
		if q.Params["by"] == "agency" {
			return c.Agency
		}
		return cats.Top(c.Category)
	}
	var total execution
	for i, c := range classes {
		k := label(c)
		if by[k] == nil {
			by[k] = &execution{}
		}
		e := counts[i]
		for _, t := range []*execution{by[k], &total} {
			t.classes++
			t.enrolled += e.enrolled
			t.approved += e.approved
			t.completed += e.completed
			t.hours += e.hours
		}
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if q.Params["by"] == "agency" { // tree order
		keys = keys[:0]
		for _, a := range q.Agencies {
			if by[a.Code] != nil {
				keys = append(keys, a.Code)
			}
		}
	}
	agencyName := q.AgencyNames()
	row := func(name string, e execution) report.Row {
		return report.Row{"group": name, "classes": e.classes, "enrolled": e.enrolled, "approved": e.approved,
			"completed": e.completed, "hours": e.hours}
	}
	var rows []report.Row
	for _, k := range keys {
		name := agencyName[k]
		if q.Params["by"] != "agency" {
			name = k
			if e, ok := cats.Lookup(k); ok {
				name = e.Name
			}
		}
		rows = append(rows, row(name, *by[k]))
	}
	return report.Page{Rows: rows, Total: row("合計", total)}, nil
}

// execution counts one class's enrollments, approvals and completions (of
// the rank group's people when one is chosen).
func (s Reports) execution(ctx context.Context, c catalog.Class, rankGroup string) (execution, error) {
	enr, err := s.ClassPeople.Enrollees(ctx, c, "")
	if err != nil {
		return execution{}, err
	}
	recs, err := s.ClassPeople.OfClass(ctx, c.CourseCode, c.Session)
	if err != nil {
		return execution{}, err
	}
	keep := func(string) bool { return true }
	if rankGroup != "" {
		ids := make([]string, 0, len(enr)+len(recs))
		for _, e := range enr {
			ids = append(ids, e.PersonID)
		}
		for _, r := range recs {
			ids = append(ids, r.PersonID)
		}
		ppl, err := s.ClassPeople.GetMany(ctx, ids)
		if err != nil {
			return execution{}, err
		}
		keep = func(id string) bool { return strings.HasPrefix(ppl[id].Rank, rankGroup) }
	}
	var e execution
	for _, x := range enr {
		if keep(x.PersonID) {
			e.enrolled++
			if x.Status == catalog.Approved {
				e.approved++
			}
		}
	}
	for _, r := range recs {
		if keep(r.PersonID) && records.Counted(r) {
			e.completed++
			e.hours += r.Hours
		}
	}
	return e, nil
}
