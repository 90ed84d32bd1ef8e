// Package statistics holds the personnel unit's statistics (issue 17):
// P8 必須完成課程參與情形統計表, P9 人資報告學習時數統計表, P10 施政績效管理資訊
// (本機關 / 含所屬機關), P11 (事業機構), R1 開課狀況統計 and R3 參與決策評量表, each a report.Definition whose counts
// open drill-down lists of exactly the people (R1: classes) counted. Every number follows
// STATISTICS.md: the population N is the staff directory of the agencies in
// scope now; a person's hours are their learning summary of the year
// (counted records only; no summary is 0 hours); requirements and the major
// course groups are data (shared/requirement).
//
// P8–P11 and R3 read their figures (counts and hours, Figures) from the
// nightly rollups (rollup.go, roller.go: one worker per top-level agency) and
// show their 「統計時間」; without a rollup stored under the current tables
// they are computed on request from the staff directory and the summaries
// (one staff query per agency, one BatchGetItem per hundred people), with the
// same code (calc.own). Drill-down lists, R1 and R2 are computed on request.
package statistics

import (
	"context"
	"slices"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// People lists an agency's staff (staff.Repo).
type People interface {
	Page(ctx context.Context, agency string, f staff.Filter, after string, limit int) ([]staff.Person, string, error)
}

// Summaries reads people's learning summaries of a year (summary.Repo).
type Summaries interface {
	GetMany(ctx context.Context, personIDs []string, year int) (map[string]summary.Summary, error)
}

// Requirements reads the yearly requirements and category groups.
type Requirements interface {
	Get(ctx context.Context) (*requirement.Tables, error)
}

// Codes reads code tables (the category tree).
type Codes interface {
	Get(ctx context.Context, name string) (*codes.Table, error)
}

// Reports are the statistics definitions, wired to their stores.
type Reports struct {
	People       People
	Summaries    Summaries
	Requirements Requirements
	Codes        Codes
	Classes      Classes
	ClassPeople  ClassPeople
	// Rollups are the figures the nightly batch stored; nil: every page is
	// computed on request (the benchmark's baseline).
	Rollups RollupReader
}

// RollupReader reads stored figures (Rollups).
type RollupReader interface {
	Read(ctx context.Context, keys []RollupKey, part Part) (map[RollupKey]Rollup, error)
}

// Definitions returns every report of this package (a zero Reports lists
// them for route tables; its rows must not be read).
func (s Reports) Definitions() []report.Definition {
	return []report.Definition{
		s.p8(), s.p8People(),
		s.p9(), s.p9People(),
		s.performance("P10", "施政績效管理資訊", notEnterprise), s.performanceCategories("P10", "施政績效管理資訊", notEnterprise),
		s.performancePeople("P10", "施政績效管理資訊", notEnterprise),
		s.performance("P11", "施政績效管理資訊(事業機構)", enterprise), s.performanceCategories("P11", "施政績效管理資訊(事業機構)", enterprise),
		s.performancePeople("P11", "施政績效管理資訊(事業機構)", enterprise),
		s.r1(), s.r1Classes(), s.r2(), s.r3(), s.r3People(),
	}
}

// Which agencies a report counts: enterprises only in P11 (STATISTICS.md).
func notEnterprise(a agency.Agency) bool { return a.Kind != agency.KindEnterprise }
func enterprise(a agency.Agency) bool    { return a.Kind == agency.KindEnterprise }

// member is one person of the population with their year's learning.
type member struct {
	staff.Person
	Total, Digital, Physical int
	Categories               map[string]int // hours by own category
}

// population reads the staff of each agency kept by keep, in the order of
// agencies, with their summaries of year; by agency code.
func (s Reports) population(ctx context.Context, agencies []agency.Agency, keep func(agency.Agency) bool, year int) (map[string][]member, error) {
	out := map[string][]member{}
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, a := range agencies {
		if !keep(a) {
			continue
		}
		g.Go(func() error {
			ppl, err := s.staffOf(ctx, a.Code)
			if err != nil {
				return err
			}
			ms, err := s.members(ctx, ppl, year)
			if err != nil {
				return err
			}
			mu.Lock()
			out[a.Code] = ms
			mu.Unlock()
			return nil
		})
	}
	return out, g.Wait()
}

// flat is the population in the order of agencies.
func flat(agencies []agency.Agency, pop map[string][]member) []member {
	var out []member
	for _, a := range agencies {
		out = append(out, pop[a.Code]...)
	}
	return out
}

// under reports whether category code is one of set or lies below one
// (further study's only under records.Study: it has no course category).
func under(cats *codes.Table, code string, set []string) bool {
	if records.IsStudy(code) {
		return slices.Contains(set, records.Study)
	}
	for range codes.MaxLevel + 1 {
		if code == "" {
			return false
		}
		if slices.Contains(set, code) {
			return true
		}
		e, ok := cats.Lookup(code)
		if !ok {
			return false
		}
		code = e.Parent
	}
	return false
}

// hoursIn is m's hours under the categories of set (each own-category hour
// once); an empty set is every hour.
func hoursIn(cats *codes.Table, m member, set []string) int {
	if len(set) == 0 {
		return m.Total
	}
	h := 0
	for code, n := range m.Categories {
		if under(cats, code, set) {
			h += n
		}
	}
	return h
}

// groupOf is the major group of a category: that of the nearest mapped
// category at or above it ("" when none); further study's is 進修.
func groupOf(cats *codes.Table, groups map[string]string, code string) string {
	if records.IsStudy(code) {
		return records.StudyName
	}
	for range codes.MaxLevel + 1 {
		if g, ok := groups[code]; ok {
			return g
		}
		e, ok := cats.Lookup(code)
		if !ok || e.Parent == "" {
			return ""
		}
		code = e.Parent
	}
	return ""
}

// groupHours is m's hours in each major group.
func groupHours(cats *codes.Table, groups map[string]string, m member) map[string]int {
	out := map[string]int{}
	for code, n := range m.Categories {
		if g := groupOf(cats, groups, code); g != "" {
			out[g] += n
		}
	}
	return out
}

// groupNames are P9's groups: the major groups of the table, then 進修
// (further study, which has no course category), so that a person's groups
// add up to their total hours.
func groupNames(t *requirement.Tables) []string {
	return append(t.GroupNames(), records.StudyName)
}

// minimum is the yearly minimum of all hours that applies to a personnel
// category (the highest, if several rows apply); ok is false when none does.
func minimum(reqs []requirement.Requirement, personnelCategory string) (int, bool) {
	min, ok := 0, false
	for _, r := range reqs {
		if r.AllCategories() && r.AppliesTo(personnelCategory) && (!ok || r.Minimum > min) {
			min, ok = r.Minimum, true
		}
	}
	return min, ok
}

// yearOf is the query's year parameter.
func yearOf(q report.Query) int { y, _ := strconv.Atoi(q.Params["year"]); return y }

// params of a drill-down from a query: its agency, scope and year, plus more.
func drillParams(q report.Query, code, scope string, more map[string]string) map[string]string {
	p := map[string]string{report.AgencyKey: code, report.ScopeKey: scope, "year": q.Params["year"]}
	for k, v := range more {
		p[k] = v
	}
	return p
}

// cell is a count that opens the list of id behind it.
func cell(n int, id string, params map[string]string) report.Cell {
	return report.Cell{Value: n, Drill: report.DrillURL(id, params)}
}

// page answers the people of a drill-down list from the cursor (an offset).
// A list is computed on request: its 「統計時間」 is now, which differs from
// its table's when that was read from the nightly rollups (see README).
func page(q report.Query, ppl []member, row func(member) report.Row) (report.Page, error) {
	from := 0
	if q.Cursor != "" {
		n, err := strconv.Atoi(q.Cursor)
		if err != nil || n < 0 || n > len(ppl) {
			return report.Page{}, errcode.Field("next", "分頁參數不正確，請重新查詢。")
		}
		from = n
	}
	to := min(from+q.Limit, len(ppl))
	rows := make([]report.Row, 0, to-from)
	for _, p := range ppl[from:to] {
		rows = append(rows, row(p))
	}
	next := ""
	if to < len(ppl) {
		next = strconv.Itoa(to)
	}
	return report.Page{Rows: rows, Next: next, ComputedAt: &q.Now}, nil
}

// personRow is the columns every drill-down list starts with.
func personRow(q report.Query, names map[string]string, p member) report.Row {
	return report.Row{"agency": names[p.Agency], "unit": p.Unit, "name": p.Name, "nationalId": q.NationalID(p.NationalID),
		"title": p.Title, "rank": p.Rank, "personnelCategory": p.Category}
}

var personColumns = []report.Column{
	{Key: "agency", Name: "機關", Type: report.TextColumn},
	{Key: "unit", Name: "單位", Type: report.TextColumn},
	{Key: "name", Name: "姓名", Type: report.TextColumn},
	{Key: "nationalId", Name: "身分證字號", Type: report.TextColumn},
	{Key: "title", Name: "職稱", Type: report.TextColumn},
	{Key: "rank", Name: "官職等", Type: report.TextColumn},
	{Key: "personnelCategory", Name: "人員類別", Type: report.TextColumn},
}

var yearParam = report.Param{Key: "year", Label: "年度", Kind: report.Year, Required: true}
