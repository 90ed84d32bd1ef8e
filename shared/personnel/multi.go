package personnel

import (
	"context"
	"strconv"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// maxYears bounds R4's range: each year is one read per person.
const maxYears = 5

var multiParams = []report.Param{
	{Key: "from", Label: "起始日期", Kind: report.Date, Required: true},
	{Key: "to", Label: "結束日期", Kind: report.Date, Required: true},
	{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
	{Key: "nature", Label: "課程性質", Kind: report.Select, Options: []report.Option{
		{Value: "digital", Label: "數位"}, {Value: "physical", Label: "實體"}, {Value: "blended", Label: "混成"}}},
	{Key: "personnelCategory", Label: "人員類別", Kind: report.Text, Max: 50},
	{Key: "rank", Label: "官職等", Kind: report.Text, Max: 50},
	{Key: "gender", Label: "性別", Kind: report.Select, Options: []report.Option{{Value: "1", Label: "男"}, {Value: "2", Label: "女"}}},
}

func checkRange(p map[string]string) error {
	if p["from"] > p["to"] {
		return errcode.Field("to", "結束日期不可早於起始日期。")
	}
	a, _ := strconv.Atoi(p["from"][:4])
	b, _ := strconv.Atoi(p["to"][:4])
	if b-a >= maxYears {
		return errcode.Field("to", "查詢區間至多 "+strconv.Itoa(maxYears)+" 年。")
	}
	return nil
}

// matches reports whether a record counts for R4's conditions: certified,
// ended in the range, in the category (or below it), of the nature.
func matches(p map[string]string, r records.Record) bool {
	return records.Counted(r) && r.End >= p["from"] && r.End <= p["to"] &&
		(p["category"] == "" || strings.HasPrefix(r.Category, p["category"])) &&
		(p["nature"] == "" || natureOf(r) == p["nature"])
}

func natureOf(r records.Record) string {
	if r.Nature == "" {
		return "physical"
	}
	return r.Nature
}

func years(p map[string]string) []int {
	a, _ := strconv.Atoi(p["from"][:4])
	b, _ := strconv.Atoi(p["to"][:4])
	var out []int
	for y := a; y <= b; y++ {
		out = append(out, y)
	}
	return out
}

// R4 多條件複選產製報表: the people of the scope (by personnel category, rank,
// gender) with certified hours in records matching the ticked conditions
// (date range, category, nature), with those hours; the count opens the
// records. People whose summaries show no hours in the range's years are
// skipped without reading their records.
func (s Reports) r4() report.Definition {
	cols := append(append([]report.Column{}, personColumns...),
		report.Column{Key: "gender", Name: "性別", Type: report.TextColumn},
		report.Column{Key: "courses", Name: "符合課程數", Type: report.NumberColumn},
		report.Column{Key: "hours", Name: "時數", Type: report.NumberColumn},
		report.Column{Key: "digitalHours", Name: "數位時數", Type: report.NumberColumn},
		report.Column{Key: "physicalHours", Name: "實體時數", Type: report.NumberColumn})
	return report.Definition{
		ID: "R4", Feature: "R4", Name: "多條件複選產製報表", Group: auth.GroupReports, Scoped: true,
		Params: multiParams, Columns: cols, Check: checkRange,
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			g, _ := strconv.Atoi(q.Params["gender"])
			ppl, next, err := s.peoplePage(ctx, q, staff.Filter{Category: q.Params["personnelCategory"], Rank: q.Params["rank"], Gender: g})
			if err != nil {
				return report.Page{}, err
			}
			matched, err := s.matching(ctx, q.Params, ppl)
			if err != nil {
				return report.Page{}, err
			}
			names := q.AgencyNames()
			var rows []report.Row
			for i, p := range ppl {
				recs := matched[i]
				if len(recs) == 0 {
					continue
				}
				h := Sum(recs)
				r := personRow(q, names, p)
				r["gender"] = map[int]string{1: "男", 2: "女"}[p.Gender]
				dp := map[string]string{report.AgencyKey: p.Agency, report.ScopeKey: report.Self, "person": p.ID}
				for k, v := range q.Params {
					if k != report.AgencyKey && k != report.ScopeKey {
						dp[k] = v
					}
				}
				r["courses"] = report.Cell{Value: h.Records, Drill: report.DrillURL("R4-courses", dp)}
				r["hours"], r["digitalHours"], r["physicalHours"] = h.Total, h.Digital, h.Physical
				rows = append(rows, r)
			}
			return report.Page{Rows: rows, Next: next}, nil
		},
	}
}

// matching reads, for each person, the records matching R4's conditions.
func (s Reports) matching(ctx context.Context, p map[string]string, ppl []staff.Person) ([][]records.Record, error) {
	maybe := make([]bool, len(ppl))
	for _, y := range years(p) {
		hours, err := s.Hours.YearHours(ctx, y, ids(ppl))
		if err != nil {
			return nil, err
		}
		for i, person := range ppl {
			for code, n := range hours[person.ID].Categories {
				if n > 0 && (p["category"] == "" || strings.HasPrefix(code, p["category"])) {
					maybe[i] = true
				}
			}
		}
	}
	out := make([][]records.Record, len(ppl))
	err := each(ctx, len(ppl), func(ctx context.Context, i int) error {
		if !maybe[i] {
			return nil
		}
		for _, y := range years(p) {
			recs, err := s.Records.OfPerson(ctx, ppl[i].ID, y)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if matches(p, r) {
					out[i] = append(out[i], r)
				}
			}
		}
		return nil
	})
	return out, err
}

// R4-courses: one person's records matching R4's conditions.
func (s Reports) r4Courses() report.Definition {
	return report.Definition{
		ID: "R4-courses", Feature: "R4", Name: "多條件複選產製報表：個人課程", Group: auth.GroupReports, Scoped: true, Drill: true,
		Params:  append([]report.Param{{Key: "person", Label: "人員", Kind: report.Text, Required: true, Max: 64}}, multiParams...),
		Columns: courseColumns, Check: checkRange,
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			ppl, err := s.People.GetMany(ctx, []string{q.Params["person"]})
			if err != nil {
				return report.Page{}, err
			}
			p, ok := ppl[q.Params["person"]]
			if !ok || !inScope(q, p.Agency) {
				return report.Page{}, errcode.New(errcode.NotFound, "查無此人員，或此人員不屬於所選機關。")
			}
			matched, err := s.matching(ctx, q.Params, []staff.Person{p})
			if err != nil {
				return report.Page{}, err
			}
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			var rows []report.Row
			for _, r := range matched[0] {
				rows = append(rows, s.courseRow(cats, r))
			}
			return report.Page{Rows: rows}, nil
		},
	}
}
