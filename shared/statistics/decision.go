package statistics

import (
	"context"
	"sort"
	"strconv"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
)

var levelOptions = func() []report.Option {
	var out []report.Option
	for l := 1; l <= 5; l++ {
		out = append(out, report.Option{Value: strconv.Itoa(l), Label: "第" + strconv.Itoa(l) + "層機關"})
	}
	return out
}()

// decisionCategories are the categories flagged decision-making, or only
// want when given (a field error when it is not one of them).
func decisionCategories(t *requirement.Tables, want string) ([]string, error) {
	var out []string
	for _, g := range t.Groups {
		if g.DecisionMaking && (want == "" || g.Category == want) {
			out = append(out, g.Category)
		}
	}
	if want != "" && len(out) == 0 {
		return nil, errcode.Field("category", "「"+want+"」不是參與決策類課程類別。")
	}
	return out, nil
}

// R3 參與決策評量表: among the participants (> 0 hours under the category) of
// each decision-making course category (category-groups.csv), by the level
// of their agency in the tree: men, women, total and the women's share.
func (s Reports) r3() report.Definition {
	return report.Definition{
		ID: "R3", Feature: "R3", Name: "參與決策評量表", Group: auth.GroupReports, Scoped: true,
		Params: []report.Param{yearParam,
			{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
			{Key: "level", Label: "瀏覽層級", Kind: report.Select, Options: levelOptions}},
		Columns: []report.Column{
			{Key: "level", Name: "機關層級", Type: report.TextColumn},
			{Key: "category", Name: "課程類別", Type: report.TextColumn},
			{Key: "men", Name: "男性人數", Type: report.NumberColumn},
			{Key: "women", Name: "女性人數", Type: report.NumberColumn},
			{Key: "total", Name: "合計人數", Type: report.NumberColumn},
			{Key: "womenShare", Name: "女性比率(%)", Type: report.RateColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			c, sig, err := s.calc(ctx, yearOf(q))
			if err != nil {
				return report.Page{}, err
			}
			cats, err := decisionCategories(c.tables, q.Params["category"])
			if err != nil {
				return report.Page{}, err
			}
			f, at, err := s.scopeFigures(ctx, q, c, sig)
			if err != nil {
				return report.Page{}, err
			}
			// the levels of the scope's agencies (one with no staff shows zeros)
			levels := map[int]bool{}
			for _, a := range q.Agencies {
				if notEnterprise(a) && (q.Params["level"] == "" || q.Params["level"] == strconv.Itoa(a.Level)) {
					levels[a.Level] = true
				}
			}
			order := make([]int, 0, len(levels))
			for l := range levels {
				order = append(order, l)
			}
			sort.Ints(order)
			var rows []report.Row
			for _, l := range order {
				for _, dc := range cats {
					var g Genders
					if x := f.Decision[strconv.Itoa(l)][dc]; x != nil {
						g = *x
					}
					name := dc
					if e, ok := c.cats.Lookup(dc); ok {
						name = e.Name + "(" + dc + ")"
					}
					dp := func(gender string) map[string]string {
						return drillParams(q, q.Agency.Code, q.Params[report.ScopeKey],
							map[string]string{"level": strconv.Itoa(l), "category": dc, "gender": gender})
					}
					rows = append(rows, report.Row{"level": strconv.Itoa(l), "category": name,
						"men": cell(g.Men, "R3-people", dp("1")), "women": cell(g.Women, "R3-people", dp("2")),
						"total": cell(g.Men+g.Women, "R3-people", dp(all)), "womenShare": report.Rate(g.Women, g.Men+g.Women)})
				}
			}
			return report.Page{Rows: rows, ComputedAt: &at}, nil
		},
	}
}

// R3-people: the participants behind an R3 count.
func (s Reports) r3People() report.Definition {
	return report.Definition{
		ID: "R3-people", Feature: "R3", Name: "參與決策評量表：人員明細", Group: auth.GroupReports, Scoped: true, Drill: true,
		Params: []report.Param{yearParam,
			{Key: "category", Label: "課程類別代碼", Kind: report.Text, Required: true, Max: 10},
			{Key: "level", Label: "機關層級", Kind: report.Select, Required: true, Options: levelOptions},
			{Key: "gender", Label: "性別", Kind: report.Select, Default: all, Options: []report.Option{
				{Value: all, Label: "全部"}, {Value: "1", Label: "男"}, {Value: "2", Label: "女"}}}},
		Columns: append(append([]report.Column{}, personColumns...),
			report.Column{Key: "gender", Name: "性別", Type: report.TextColumn},
			report.Column{Key: "hours", Name: "課程類別時數", Type: report.NumberColumn}),
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			d, err := s.read(ctx, q, notEnterprise)
			if err != nil {
				return report.Page{}, err
			}
			cats, err := decisionCategories(d.tables, q.Params["category"])
			if err != nil {
				return report.Page{}, err
			}
			var ppl []member
			for _, a := range q.Agencies {
				if !notEnterprise(a) || strconv.Itoa(a.Level) != q.Params["level"] {
					continue
				}
				for _, m := range d.pop[a.Code] {
					g := q.Params["gender"]
					if hoursIn(d.cats, m, cats) > 0 && (m.Gender == 1 || m.Gender == 2) && (g == all || g == strconv.Itoa(m.Gender)) {
						ppl = append(ppl, m)
					}
				}
			}
			nm := q.AgencyNames()
			return page(q, ppl, func(m member) report.Row {
				r := personRow(q, nm, m)
				r["gender"] = map[int]string{1: "男", 2: "女"}[m.Gender]
				r["hours"] = hoursIn(d.cats, m, cats)
				return r
			})
		},
	}
}
