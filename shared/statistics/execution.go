package statistics

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

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
// count; cancelled ones never: they were not executed), grouped by top-level
// category or by organising agency: classes, enrolled (pending and approved:
// L5's 已報名, catalog.HoldsSeat), approved, completed (counted records of the
// class) and their certified hours. A rank group counts only the
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

// rankAll is the rank group of every rank (no rank group chosen).
const rankAll = ""

func (s Reports) r2Rows(ctx context.Context, q report.Query) (report.Page, error) {
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return report.Page{}, err
	}
	by, when, ok, err := s.r2Stored(ctx, q, yearOf(q))
	if err != nil {
		return report.Page{}, err
	}
	if !ok {
		if by, err = s.r2Now(ctx, q, cats); err != nil {
			return report.Page{}, err
		}
		when = q.Now
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
	row := func(name string, e Execution) report.Row {
		return report.Row{"group": name, "classes": e.Classes, "enrolled": e.Enrolled, "approved": e.Approved,
			"completed": e.Completed, "hours": e.Hours}
	}
	var rows []report.Row
	var total Execution
	for _, k := range keys {
		name := agencyName[k]
		if q.Params["by"] != "agency" {
			name = k
			if e, ok := cats.Lookup(k); ok {
				name = e.Name
			}
		}
		rows = append(rows, row(name, *by[k]))
		total.Add(*by[k])
	}
	return report.Page{Rows: rows, Total: row("合計", total), ComputedAt: &when}, nil
}

// r2Label is the row a class of category cat by agency code counts in: its
// top-level category, or its agency.
func r2Label(q report.Query, cats *codes.Table, code, cat string) string {
	if q.Params["by"] == "agency" {
		return code
	}
	return cats.Top(cat)
}

// r2Stored sums R2's rows from the rollups (of the rollup years): the
// scope's subtree figures (by category) or each agency's own (by agency),
// their categories under the chosen code, of the rank group; ok is false
// when one is not stored (compute on request).
func (s Reports) r2Stored(ctx context.Context, q report.Query, y int) (map[string]*Execution, time.Time, bool, error) {
	if s.Rollups == nil {
		return nil, time.Time{}, false, nil
	}
	c, sig, err := s.calc(ctx, y)
	if err != nil {
		return nil, time.Time{}, false, err
	}
	var keys []RollupKey
	switch {
	case q.Params["by"] == "agency":
		for _, a := range q.Agencies {
			if notEnterprise(a) {
				keys = append(keys, RollupKey{a.Code, y, Own})
			}
		}
	case q.Params[report.ScopeKey] == report.Subtree:
		keys = []RollupKey{{q.Agency.Code, y, Tree}}
	default:
		keys = []RollupKey{{q.Agency.Code, y, Own}}
	}
	got, when, ok, err := s.stored(ctx, keys, sig, ClassesPart)
	if !ok || err != nil {
		return nil, when, false, err
	}
	by := map[string]*Execution{}
	for _, k := range keys {
		for cat, groups := range got[k].Figures.Execution {
			if !strings.HasPrefix(cat, q.Params["category"]) { // as the class search's begins_with
				continue
			}
			if e := groups[q.Params["rankGroup"]]; e != nil {
				at(&by, r2Label(q, c.cats, k.Agency, cat)).Add(*e)
			}
		}
	}
	return by, when, true, nil
}

// r2Now computes R2's rows from the classes, their enrollments and records.
func (s Reports) r2Now(ctx context.Context, q report.Query, cats *codes.Table) (map[string]*Execution, error) {
	y := yearOf(q)
	var classes []catalog.Class
	for _, a := range q.Agencies {
		if !notEnterprise(a) {
			continue
		}
		cs, err := s.classesEnded(ctx, a.Code, y, q.Params["category"])
		if err != nil {
			return nil, err
		}
		classes = append(classes, cs...)
	}
	group := q.Params["rankGroup"]
	counts := make([]Execution, len(classes))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, c := range classes {
		g.Go(func() error {
			e, err := s.executions(gctx, c, []string{group})
			counts[i] = e[group]
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	by := map[string]*Execution{}
	for i, c := range classes {
		at(&by, r2Label(q, cats, c.Agency, c.Category)).Add(counts[i])
	}
	return by, nil
}

// classesEnded are an agency's classes that ended in year y, under a
// category code ("" every one).
func (s Reports) classesEnded(ctx context.Context, code string, y int, category string) ([]catalog.Class, error) {
	var out []catalog.Class
	for _, start := range []int{y - 1, y} { // a class's year is its start's; it counts in its end's
		after := ""
		for {
			p, err := s.Classes.SearchClasses(ctx, catalog.ClassFilter{Agency: code, Year: start, Category: category, After: after, Limit: 500})
			if err != nil {
				return nil, err
			}
			for _, c := range p.Items {
				if executed(c, y) {
					out = append(out, c)
				}
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
	}
	return out, nil
}

// executed reports whether R2 counts a class in year y: it ended in y and
// was not cancelled (停辦).
func executed(c catalog.Class, y int) bool {
	return c.Status != catalog.Cancelled && strings.HasPrefix(c.End, strconv.Itoa(y)+"-")
}

// classCache reads an agency's classes by the year of their start date,
// each year once (the rollup reads a year's classes for R1 and for R2 of
// that year and the next).
func (s Reports) classCache(code string) func(ctx context.Context, y int) ([]catalog.Class, error) {
	read := map[int][]catalog.Class{}
	return func(ctx context.Context, y int) ([]catalog.Class, error) {
		if cs, ok := read[y]; ok {
			return cs, nil
		}
		var out []catalog.Class
		after := ""
		for {
			p, err := s.Classes.SearchClasses(ctx, catalog.ClassFilter{Agency: code, Year: y, After: after, Limit: 500})
			if err != nil {
				return nil, err
			}
			out = append(out, p.Items...)
			if p.Next == "" {
				read[y] = out
				return out, nil
			}
			after = p.Next
		}
	}
}

// ownClasses adds to an agency's figures of year y those of its classes:
// R1's openings (classes that started in y) and R2's execution (classes that
// ended in y, by category and every rank group).
func (s Reports) ownClasses(ctx context.Context, f *Figures, started func(context.Context, int) ([]catalog.Class, error), y int) error {
	cur, err := started(ctx, y)
	if err != nil {
		return err
	}
	prev, err := started(ctx, y-1)
	if err != nil {
		return err
	}
	for _, c := range cur {
		if strings.HasPrefix(c.Start, strconv.Itoa(y)+"-") {
			if f.Openings == nil {
				f.Openings = map[string]int{}
			}
			f.Openings[openingKey(c)]++
		}
	}
	groups := []string{rankAll}
	for _, o := range rankGroups {
		groups = append(groups, o.Value)
	}
	var ended []catalog.Class
	for _, c := range append(append([]catalog.Class(nil), prev...), cur...) {
		if executed(c, y) {
			ended = append(ended, c)
		}
	}
	counts := make([]map[string]Execution, len(ended))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4) // per agency; the worker runs 8 agencies at once
	for i, c := range ended {
		g.Go(func() error {
			e, err := s.executions(gctx, c, groups)
			counts[i] = e
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, c := range ended {
		for _, grp := range groups {
			at(at2(&f.Execution, c.Category), grp).Add(counts[i][grp])
		}
	}
	return nil
}

// executions counts one class (1), its enrollments, approvals and
// completions, for each rank group of groups (rankAll: everyone; else the
// people whose rank is of that group in today's directory).
func (s Reports) executions(ctx context.Context, c catalog.Class, groups []string) (map[string]Execution, error) {
	enr, err := s.ClassPeople.Enrollees(ctx, c, "")
	if err != nil {
		return nil, err
	}
	recs, err := s.ClassPeople.OfClass(ctx, c.CourseCode, c.Session)
	if err != nil {
		return nil, err
	}
	var ppl map[string]staff.Person
	if slices.ContainsFunc(groups, func(g string) bool { return g != rankAll }) {
		ids := make([]string, 0, len(enr)+len(recs))
		for _, e := range enr {
			ids = append(ids, e.PersonID)
		}
		for _, r := range recs {
			ids = append(ids, r.PersonID)
		}
		if ppl, err = s.ClassPeople.GetMany(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make(map[string]Execution, len(groups))
	for _, grp := range groups {
		keep := func(id string) bool { return grp == rankAll || strings.HasPrefix(ppl[id].Rank, grp) }
		e := Execution{Classes: 1}
		for _, x := range enr {
			if keep(x.PersonID) && catalog.HoldsSeat(x.Status) {
				e.Enrolled++
				if x.Status == catalog.Approved {
					e.Approved++
				}
			}
		}
		for _, r := range recs {
			if keep(r.PersonID) && records.Counted(r) {
				e.Completed++
				e.Hours += r.Hours
			}
		}
		out[grp] = e
	}
	return out, nil
}

// ClassSources is what R2 reads of a class: its enrollments (catalog), its
// records and the people's ranks (ClassPeople).
type ClassSources struct {
	catalog.Repo
	Records records.Repo
	People  staff.Repo
}

// OfClass reads a class's records.
func (c ClassSources) OfClass(ctx context.Context, code, session string) ([]records.Record, error) {
	return c.Records.OfClass(ctx, code, session)
}

// GetMany reads people of the directory.
func (c ClassSources) GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error) {
	return c.People.GetMany(ctx, ids)
}
