package statistics

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/report"
)

// Classes searches an agency's classes of a year (catalog.Repo).
type Classes interface {
	SearchClasses(ctx context.Context, f catalog.ClassFilter) (catalog.ClassPage, error)
}

// r1Years is how many calendar years an R1 range may touch.
const r1Years = 3

var natures = []string{catalog.Digital, catalog.Physical, catalog.Blended}

func r1Params(drill bool) []report.Param {
	ps := []report.Param{
		{Key: "from", Label: "開課日期（起）", Kind: report.Date, Required: true},
		{Key: "to", Label: "開課日期（迄）", Kind: report.Date, Required: true},
		{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
		{Key: "method", Label: "報名方式", Kind: report.Select, Options: []report.Option{
			{Value: catalog.Nominated, Label: catalog.MethodNames[catalog.Nominated]},
			{Value: catalog.Open, Label: catalog.MethodNames[catalog.Open]},
			{Value: catalog.Offline, Label: catalog.MethodNames[catalog.Offline]}}},
	}
	if drill {
		var opts []report.Option
		for _, n := range natures {
			opts = append(opts, report.Option{Value: n, Label: catalog.NatureNames[n]})
		}
		ps = append(ps, report.Param{Key: "nature", Label: "課程性質", Kind: report.Select, Options: opts},
			report.Param{Key: "matching", Label: "符合條件", Kind: report.Check},
			report.Param{Key: "cancelled", Label: "已停辦班期", Kind: report.Check})
	}
	return ps
}

func checkR1(p map[string]string) error {
	if p["from"] > p["to"] {
		return errcode.Field("to", "結束日期不可早於起始日期。")
	}
	a, _ := strconv.Atoi(p["from"][:4])
	b, _ := strconv.Atoi(p["to"][:4])
	if b-a >= r1Years {
		return errcode.Field("to", "查詢區間至多 "+strconv.Itoa(r1Years)+" 個年度。")
	}
	return nil
}

// classesInRange are the classes of the scope's agencies (enterprises never:
// STATISTICS.md) whose start date lies in the range, in scope order, newest
// first within an agency.
func (s Reports) classesInRange(ctx context.Context, q report.Query) ([]catalog.Class, error) {
	from, to := q.Params["from"], q.Params["to"]
	y0, _ := strconv.Atoi(from[:4])
	y1, _ := strconv.Atoi(to[:4])
	found := map[string][]catalog.Class{}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, a := range q.Agencies {
		if !notEnterprise(a) {
			continue
		}
		for y := y0; y <= y1; y++ { // a class's year is that of its start date
			g.Go(func() error {
				var out []catalog.Class
				after := ""
				for {
					p, err := s.Classes.SearchClasses(gctx, catalog.ClassFilter{Agency: a.Code, Year: y, From: from, After: after, Limit: 500})
					if err != nil {
						return err
					}
					for _, c := range p.Items {
						if c.Start >= from && c.Start <= to {
							out = append(out, c)
						}
					}
					if p.Next == "" {
						break
					}
					after = p.Next
				}
				mu.Lock()
				found[a.Code] = append(found[a.Code], out...)
				mu.Unlock()
				return nil
			})
		}
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []catalog.Class
	for _, a := range q.Agencies {
		cs := found[a.Code]
		sort.SliceStable(cs, func(i, j int) bool {
			return cs[i].Start > cs[j].Start || (cs[i].Start == cs[j].Start && cs[i].Key() < cs[j].Key())
		})
		out = append(out, cs...)
	}
	return out, nil
}

// matchesR1 reports whether a class meets R1's chosen conditions.
func matchesR1(cats *codes.Table, p map[string]string, category, method string) bool {
	return (p["category"] == "" || under(cats, category, []string{p["category"]})) &&
		(p["method"] == "" || method == p["method"])
}

// openingKey is what R1 counts a class by in the rollups: its start day
// (MM-DD of its year), nature, enrollment method, own category and whether
// it was cancelled (停辦: counted apart, never as held).
func openingKey(c catalog.Class) string {
	return c.Start[5:] + "|" + natureOf(c) + "|" + c.Method + "|" + c.Category + "|" + cancelledMark(c)
}

// cancelledMark is the last part of an opening key: "x" for a cancelled class.
func cancelledMark(c catalog.Class) string {
	if c.Status == catalog.Cancelled {
		return "x"
	}
	return ""
}

// r1Counts are R1's counts by nature: the classes held matching the
// conditions, all held, and those cancelled (whatever the conditions).
type r1Counts struct{ matching, alls, cancelled map[string]int }

func newR1Counts() r1Counts { return r1Counts{map[string]int{}, map[string]int{}, map[string]int{}} }

// add counts n classes of a nature, own category and method.
func (r r1Counts) add(cats *codes.Table, p map[string]string, nature, category, method string, cancelled bool, n int) {
	if cancelled {
		r.cancelled[nature] += n
		return
	}
	r.alls[nature] += n
	if matchesR1(cats, p, category, method) {
		r.matching[nature] += n
	}
}

// r1Stored counts R1's classes by nature from the rollups: the own figures
// of each non-enterprise agency of the scope, for every year the range
// touches, their openings on the range's days (matching: under the chosen
// category and method too); ok is false when one is not stored (compute on
// request).
func (s Reports) r1Stored(ctx context.Context, q report.Query, cats *codes.Table) (counts r1Counts, when time.Time, ok bool, err error) {
	from, to := q.Params["from"], q.Params["to"]
	y0, _ := strconv.Atoi(from[:4])
	y1, _ := strconv.Atoi(to[:4])
	counts = newR1Counts()
	for y := y0; y <= y1; y++ {
		_, sig, err := s.calc(ctx, y)
		if err != nil {
			return counts, when, false, err
		}
		var keys []RollupKey
		for _, a := range q.Agencies {
			if notEnterprise(a) {
				keys = append(keys, RollupKey{a.Code, y, Own})
			}
		}
		got, at, ok, err := s.stored(ctx, keys, sig, ClassesPart)
		if !ok || err != nil {
			return counts, when, false, err
		}
		if y == y0 || at.Before(when) {
			when = at
		}
		year := strconv.Itoa(y) + "-"
		for _, k := range keys {
			for key, n := range got[k].Figures.Openings {
				parts := strings.SplitN(key, "|", 5)
				if len(parts) != 5 {
					return counts, when, false, fmt.Errorf("rollup %s/%d: R1 key %q", k.Agency, y, key)
				}
				if day := year + parts[0]; day < from || day > to {
					continue
				}
				counts.add(cats, q.Params, parts[1], parts[3], parts[2], parts[4] != "", n)
			}
		}
	}
	return counts, when, true, nil
}

// natureOf is a class's nature (none: physical, as records count it).
func natureOf(c catalog.Class) string {
	if c.Nature == "" {
		return catalog.Physical
	}
	return c.Nature
}

// R1 開課狀況統計: per nature, the classes held in the range matching the
// chosen conditions, all classes held in the range, the share, and the
// classes cancelled (停辦) in the range: a cancelled class is not a class
// held, so it counts in neither of the first two (STATISTICS.md).
func (s Reports) r1() report.Definition {
	return report.Definition{
		ID: "R1", Feature: "R1", Name: "開課狀況統計", Group: auth.GroupReports, Scoped: true,
		Params: r1Params(false), Check: checkR1,
		Columns: []report.Column{
			{Key: "nature", Name: "課程性質", Type: report.TextColumn},
			{Key: "matching", Name: "符合條件班期數", Type: report.NumberColumn},
			{Key: "all", Name: "區間內全部班期數", Type: report.NumberColumn},
			{Key: "share", Name: "比率(%)", Type: report.RateColumn},
			{Key: "cancelled", Name: "已停辦班期數", Type: report.NumberColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			counts, when, ok, err := s.r1Stored(ctx, q, cats)
			if err != nil {
				return report.Page{}, err
			}
			if !ok {
				cs, err := s.classesInRange(ctx, q)
				if err != nil {
					return report.Page{}, err
				}
				counts, when = newR1Counts(), q.Now
				for _, c := range cs {
					counts.add(cats, q.Params, natureOf(c), c.Category, c.Method, c.Status == catalog.Cancelled, 1)
				}
			}
			dp := func(nature, match, cancelled string) map[string]string {
				p := map[string]string{report.AgencyKey: q.Agency.Code, report.ScopeKey: q.Params[report.ScopeKey],
					"from": q.Params["from"], "to": q.Params["to"], "category": q.Params["category"], "method": q.Params["method"],
					"nature": nature, "matching": match, "cancelled": cancelled}
				return p
			}
			var rows []report.Row
			tm, ta, tc := 0, 0, 0
			for _, n := range natures {
				m, a, c := counts.matching[n], counts.alls[n], counts.cancelled[n]
				tm, ta, tc = tm+m, ta+a, tc+c
				rows = append(rows, report.Row{"nature": catalog.NatureNames[n],
					"matching": cell(m, "R1-classes", dp(n, "1", "")), "all": cell(a, "R1-classes", dp(n, "", "")),
					"share": report.Rate(m, a), "cancelled": cell(c, "R1-classes", dp(n, "", "1"))})
			}
			total := report.Row{"nature": "合計", "matching": cell(tm, "R1-classes", dp("", "1", "")),
				"all": cell(ta, "R1-classes", dp("", "", "")), "share": report.Rate(tm, ta),
				"cancelled": cell(tc, "R1-classes", dp("", "", "1"))}
			return report.Page{Rows: rows, Total: total, ComputedAt: &when}, nil
		},
	}
}

// R1-classes: the classes behind an R1 count: the classes held, or with
// cancelled=1 those cancelled (whatever the conditions, as R1 counts them).
func (s Reports) r1Classes() report.Definition {
	return report.Definition{
		ID: "R1-classes", Feature: "R1", Name: "開課狀況統計：班期明細", Group: auth.GroupReports, Scoped: true, Drill: true,
		Params: r1Params(true), Check: checkR1,
		Columns: []report.Column{
			{Key: "agency", Name: "開課機關", Type: report.TextColumn},
			{Key: "courseCode", Name: "課程代碼", Type: report.TextColumn},
			{Key: "session", Name: "期別", Type: report.TextColumn},
			{Key: "name", Name: "課程名稱", Type: report.TextColumn},
			{Key: "start", Name: "開課日期", Type: report.TextColumn},
			{Key: "end", Name: "結訓日期", Type: report.TextColumn},
			{Key: "nature", Name: "課程性質", Type: report.TextColumn},
			{Key: "category", Name: "課程類別", Type: report.TextColumn},
			{Key: "method", Name: "報名方式", Type: report.TextColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			cs, err := s.classesInRange(ctx, q)
			if err != nil {
				return report.Page{}, err
			}
			var list []catalog.Class
			for _, c := range cs {
				if cancelled := c.Status == catalog.Cancelled; cancelled != (q.Params["cancelled"] != "") {
					continue
				}
				if (q.Params["nature"] == "" || natureOf(c) == q.Params["nature"]) &&
					(q.Params["cancelled"] != "" || q.Params["matching"] == "" || matchesR1(cats, q.Params, c.Category, c.Method)) {
					list = append(list, c)
				}
			}
			from := 0
			if q.Cursor != "" {
				n, err := strconv.Atoi(q.Cursor)
				if err != nil || n < 0 || n > len(list) {
					return report.Page{}, errcode.Field("next", "分頁參數不正確，請重新查詢。")
				}
				from = n
			}
			to := min(from+q.Limit, len(list))
			nm := q.AgencyNames()
			var rows []report.Row
			for _, c := range list[from:to] {
				cat := c.Category
				if e, ok := cats.Lookup(c.Category); ok {
					cat = e.Name
				}
				rows = append(rows, report.Row{"agency": nm[c.Agency], "courseCode": c.CourseCode, "session": c.Session,
					"name": c.Name, "start": c.Start, "end": c.End, "nature": catalog.NatureNames[natureOf(c)],
					"category": cat, "method": catalog.MethodNames[c.Method]})
			}
			next := ""
			if to < len(list) {
				next = strconv.Itoa(to)
			}
			return report.Page{Rows: rows, Next: next}, nil
		},
	}
}
