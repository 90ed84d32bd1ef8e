// Package classreport holds the reports over the classes agencies opened:
// P18 機關課程查詢 and its 開課狀況統計, as report.Definitions.
package classreport

import (
	"context"
	"sort"
	"strconv"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Classes searches an agency's classes of a year.
type Classes interface {
	SearchClasses(ctx context.Context, f catalog.ClassFilter) (catalog.ClassPage, error)
}

// Codes reads code tables.
type Codes interface {
	Get(ctx context.Context, name string) (*codes.Table, error)
}

// Reports are the class reports, wired to their stores.
type Reports struct {
	Classes Classes
	Codes   Codes
}

// Definitions returns P18 and its statistics.
func (s Reports) Definitions() []report.Definition { return []report.Definition{s.p18(), s.p18Stats()} }

func options(m map[string]string, order ...string) []report.Option {
	out := make([]report.Option, len(order))
	for i, k := range order {
		out[i] = report.Option{Value: k, Label: m[k]}
	}
	return out
}

var params = []report.Param{
	{Key: "year", Label: "年度", Kind: report.Year, Required: true},
	{Key: "name", Label: "課程名稱", Kind: report.Text, Max: 100},
	{Key: "code", Label: "課程代碼", Kind: report.Text, Max: 30},
	{Key: "from", Label: "開課日期（起）", Kind: report.Date},
	{Key: "to", Label: "結訓日期（迄）", Kind: report.Date},
	{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
	{Key: "nature", Label: "課程性質", Kind: report.Select, Options: options(catalog.NatureNames, catalog.Digital, catalog.Physical, catalog.Blended)},
	{Key: "method", Label: "報名方式", Kind: report.Select, Options: options(catalog.MethodNames, catalog.Nominated, catalog.Open, catalog.Offline)},
}

func filter(q report.Query, agency string) catalog.ClassFilter {
	y, _ := strconv.Atoi(q.Params["year"])
	return catalog.ClassFilter{Agency: agency, Year: y, Name: q.Params["name"], Code: q.Params["code"],
		From: q.Params["from"], To: q.Params["to"], Category: q.Params["category"], Nature: q.Params["nature"], Method: q.Params["method"]}
}

func bulk() int { return 500 }

// pages calls f with every page of classes of the agencies in scope from the
// cursor ("<agency index>|<class sort key>") until f says stop; it answers
// the cursor after the last page f took.
func (s Reports) pages(ctx context.Context, q report.Query, limit func() int, f func([]catalog.Class) (more bool)) (string, error) {
	k, after, err := report.ScopeCursor(q.Cursor, len(q.Agencies))
	if err != nil {
		return "", err
	}
	for ; k < len(q.Agencies); k, after = k+1, "" {
		for {
			cf := filter(q, q.Agencies[k].Code)
			cf.After, cf.Limit = after, limit()
			p, err := s.Classes.SearchClasses(ctx, cf)
			if err != nil {
				return "", err
			}
			more := f(p.Items)
			if p.Next == "" {
				if !more && k+1 < len(q.Agencies) {
					return report.ScopeNext(k+1, ""), nil
				}
				break
			}
			after = p.Next
			if !more {
				return report.ScopeNext(k, after), nil
			}
		}
	}
	return "", nil
}

func (s Reports) p18() report.Definition {
	return report.Definition{
		ID: "P18", Feature: "P18", Name: "機關課程查詢", Group: auth.GroupPersonnel, Scoped: true, Params: params,
		Columns: []report.Column{
			{Key: "agency", Name: "開課機關", Type: report.TextColumn},
			{Key: "courseCode", Name: "課程代碼", Type: report.TextColumn},
			{Key: "session", Name: "期別", Type: report.TextColumn},
			{Key: "name", Name: "課程名稱", Type: report.TextColumn},
			{Key: "category", Name: "課程類別", Type: report.TextColumn},
			{Key: "nature", Name: "課程性質", Type: report.TextColumn},
			{Key: "method", Name: "報名方式", Type: report.TextColumn},
			{Key: "start", Name: "開課日期", Type: report.TextColumn},
			{Key: "end", Name: "結訓日期", Type: report.TextColumn},
			{Key: "hours", Name: "認證時數", Type: report.NumberColumn},
			{Key: "capacity", Name: "名額", Type: report.NumberColumn},
			{Key: "enrolled", Name: "報名人數", Type: report.NumberColumn},
			{Key: "status", Name: "狀態", Type: report.TextColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			names := q.AgencyNames()
			var rows []report.Row
			next, err := s.pages(ctx, q, func() int { return q.Limit - len(rows) }, func(cs []catalog.Class) bool {
				for _, c := range cs {
					rows = append(rows, row(names, cats, c))
				}
				return len(rows) < q.Limit
			})
			if err != nil {
				return report.Page{}, err
			}
			var total report.Row
			if q.Cursor == "" { // the result's size and its statistics, once, with the first page
				n := 0
				if _, err := s.pages(ctx, report.Query{Params: q.Params, Agencies: q.Agencies}, bulk, func(cs []catalog.Class) bool {
					n += len(cs)
					return true
				}); err != nil {
					return report.Page{}, err
				}
				dp := map[string]string{report.AgencyKey: q.Agency.Code, report.ScopeKey: q.Params[report.ScopeKey]}
				for k, v := range q.Params {
					dp[k] = v
				}
				total = report.Row{"agency": "合計", "courseCode": report.Cell{Value: n, Drill: report.DrillURL("P18-stats", dp)},
					"name": "點選課程數看開課狀況統計"}
			}
			return report.Page{Rows: rows, Next: next, Total: total}, nil
		},
	}
}

func row(names map[string]string, cats *codes.Table, c catalog.Class) report.Row {
	cat := c.Category
	if e, ok := cats.Lookup(c.Category); ok {
		cat = e.Name
	}
	status := "開課"
	if c.Status == catalog.Cancelled {
		status = "已停辦"
	}
	return report.Row{"agency": names[c.Agency], "courseCode": c.CourseCode, "session": c.Session, "name": c.Name,
		"category": cat, "nature": catalog.NatureNames[c.Nature], "method": catalog.MethodNames[c.Method],
		"start": roc.FormatISO(c.Start), "end": roc.FormatISO(c.End), "hours": c.Hours, "capacity": c.Capacity,
		"enrolled": c.Enrolled, "status": status}
}

// P18-stats 開課狀況統計 of a P18 result: the classes it found, counted by
// nature and by top-level category, with each count's share of the result.
func (s Reports) p18Stats() report.Definition {
	return report.Definition{
		ID: "P18-stats", Feature: "P18", Name: "機關課程查詢：開課狀況統計", Group: auth.GroupPersonnel, Scoped: true,
		Drill: true, Params: params,
		Columns: []report.Column{
			{Key: "dimension", Name: "統計項目", Type: report.TextColumn},
			{Key: "value", Name: "分類", Type: report.TextColumn},
			{Key: "classes", Name: "課程數", Type: report.NumberColumn},
			{Key: "share", Name: "占查詢結果比率(%)", Type: report.RateColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			byNature, byCat := map[string]int{}, map[string]int{}
			n := 0
			q.Cursor = ""
			if _, err := s.pages(ctx, q, bulk, func(cs []catalog.Class) bool {
				for _, c := range cs {
					n++
					byNature[c.Nature]++
					byCat[cats.Top(c.Category)]++
				}
				return true
			}); err != nil {
				return report.Page{}, err
			}
			var rows []report.Row
			for _, k := range []string{catalog.Digital, catalog.Physical, catalog.Blended} {
				rows = append(rows, report.Row{"dimension": "課程性質", "value": catalog.NatureNames[k], "classes": byNature[k], "share": report.Rate(byNature[k], n)})
			}
			var tops []string
			for k := range byCat {
				tops = append(tops, k)
			}
			sort.Strings(tops)
			for _, k := range tops {
				name := k
				if e, ok := cats.Lookup(k); ok {
					name = e.Name
				}
				rows = append(rows, report.Row{"dimension": "課程類別", "value": name, "classes": byCat[k], "share": report.Rate(byCat[k], n)})
			}
			return report.Page{Rows: rows, Total: report.Row{"dimension": "合計", "classes": n, "share": report.Rate(n, n)}}, nil
		},
	}
}
