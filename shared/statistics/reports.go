package statistics

import (
	"context"
	"sort"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
)

// Drill-down list statuses.
const (
	all            = "all"
	completed      = "completed"
	notCompleted   = "notCompleted"
	participants   = "participants"
	reachedMinimum = "reachedMinimum"
)

// data is what every statistic reads: the tables and the population.
type data struct {
	tables *requirement.Tables
	cats   *codes.Table
	pop    map[string][]member
}

func (s Reports) read(ctx context.Context, q report.Query, keep func(agency.Agency) bool) (data, error) {
	t, err := s.Requirements.Get(ctx)
	if err != nil {
		return data{}, err
	}
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return data{}, err
	}
	pop, err := s.population(ctx, q.Agencies, keep, yearOf(q))
	return data{t, cats, pop}, err
}

// completes reports whether m completes r (r must apply to m): their hours
// under its categories reach its minimum and they complete each of its
// parts (of reqs, the year's) that applies to them. The table's parts form
// a tree (requirement.Parse); depth bounds the walk for tables stored
// without it.
func (d data) completes(reqs []requirement.Requirement, m member, r requirement.Requirement) bool {
	return d.completesAt(reqs, m, r, len(reqs))
}

func (d data) completesAt(reqs []requirement.Requirement, m member, r requirement.Requirement, depth int) bool {
	if depth < 0 || hoursIn(d.cats, m, r.Categories) < r.Minimum {
		return false
	}
	for _, p := range r.Parts(reqs) {
		if p.AppliesTo(m.Category) && !d.completesAt(reqs, m, p, depth-1) {
			return false
		}
	}
	return true
}

// P8 必須完成課程參與情形統計表: one row per requirement of the year; N is
// the people of the scope it applies to.
func (s Reports) p8() report.Definition {
	return report.Definition{
		ID: "P8", Feature: "P8", Name: "必須完成課程參與情形統計表", Group: auth.GroupPersonnel, Scoped: true,
		Params: []report.Param{yearParam},
		Columns: []report.Column{
			{Key: "requirement", Name: "規定代碼", Type: report.TextColumn},
			{Key: "name", Name: "課程要求", Type: report.TextColumn},
			{Key: "staff", Name: "應完成人數", Type: report.NumberColumn},
			{Key: "completed", Name: "已完成人數", Type: report.NumberColumn},
			{Key: "notCompleted", Name: "未完成人數", Type: report.NumberColumn},
			{Key: "rate", Name: "完成率(%)", Type: report.RateColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			c, sig, err := s.calc(ctx, yearOf(q))
			if err != nil {
				return report.Page{}, err
			}
			f, at, err := s.scopeFigures(ctx, q, c, sig)
			if err != nil {
				return report.Page{}, err
			}
			var rows []report.Row
			for _, r := range c.tables.Of(c.year) {
				var n Done
				if x := f.Requirements[r.ID]; x != nil {
					n = *x
				}
				dp := func(status string) map[string]string {
					return drillParams(q, q.Agency.Code, q.Params[report.ScopeKey], map[string]string{"requirement": r.ID, "status": status})
				}
				rows = append(rows, report.Row{"requirement": r.ID, "name": r.Name,
					"staff": cell(n.Staff, "P8-people", dp(all)), "completed": cell(n.Completed, "P8-people", dp(completed)),
					"notCompleted": cell(n.Staff-n.Completed, "P8-people", dp(notCompleted)), "rate": report.Rate(n.Completed, n.Staff)})
			}
			return report.Page{Rows: rows, ComputedAt: &at}, nil
		},
	}
}

// P8-people: the people behind a P8 count.
func (s Reports) p8People() report.Definition {
	return report.Definition{
		ID: "P8-people", Feature: "P8", Name: "必須完成課程參與情形統計表：人員明細", Group: auth.GroupPersonnel, Scoped: true, Drill: true,
		Params: []report.Param{yearParam,
			{Key: "requirement", Label: "規定代碼", Kind: report.Text, Required: true, Max: 32},
			{Key: "status", Label: "完成情形", Kind: report.Select, Default: all, Options: []report.Option{
				{Value: all, Label: "全部"}, {Value: completed, Label: "已完成"}, {Value: notCompleted, Label: "未完成"}}}},
		Columns: append(append([]report.Column{}, personColumns...),
			report.Column{Key: "hours", Name: "規定類別時數", Type: report.NumberColumn},
			report.Column{Key: "minimum", Name: "應完成時數", Type: report.NumberColumn}),
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			d, err := s.read(ctx, q, notEnterprise)
			if err != nil {
				return report.Page{}, err
			}
			reqs := d.tables.Of(yearOf(q))
			var req *requirement.Requirement
			for _, r := range reqs {
				if r.ID == q.Params["requirement"] {
					req = &r
				}
			}
			if req == nil {
				return report.Page{}, errcode.Field("requirement", "該年度沒有這項必須完成課程規定。")
			}
			var ppl []member
			for _, m := range flat(q.Agencies, d.pop) {
				if !req.AppliesTo(m.Category) {
					continue
				}
				done := d.completes(reqs, m, *req)
				if st := q.Params["status"]; st == all || (st == completed) == done {
					ppl = append(ppl, m)
				}
			}
			nm := q.AgencyNames()
			return page(q, ppl, func(m member) report.Row {
				r := personRow(q, nm, m)
				r["hours"], r["minimum"] = hoursIn(d.cats, m, req.Categories), req.Minimum
				return r
			})
		},
	}
}

// personnelLabel is how a person without a personnel category is shown and
// asked for.
const noCategory = "(未填)"

func personnelCategory(m member) string {
	if m.Category == "" {
		return noCategory
	}
	return m.Category
}

// P9 人資報告學習時數統計表: one row per personnel category of the scope and
// major course group (category-groups.csv).
func (s Reports) p9() report.Definition {
	return report.Definition{
		ID: "P9", Feature: "P9", Name: "人資報告學習時數統計表", Group: auth.GroupPersonnel, Scoped: true,
		Params: []report.Param{yearParam},
		Columns: []report.Column{
			{Key: "personnelCategory", Name: "人員類別", Type: report.TextColumn},
			{Key: "group", Name: "課程類別", Type: report.TextColumn},
			{Key: "staff", Name: "人數", Type: report.NumberColumn},
			{Key: "participants", Name: "參與人數", Type: report.NumberColumn},
			{Key: "participationRate", Name: "參與率(%)", Type: report.RateColumn},
			{Key: "totalHours", Name: "學習總時數", Type: report.NumberColumn},
			{Key: "averageHours", Name: "平均學習時數", Type: report.NumberColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			c, sig, err := s.calc(ctx, yearOf(q))
			if err != nil {
				return report.Page{}, err
			}
			f, at, err := s.scopeFigures(ctx, q, c, sig)
			if err != nil {
				return report.Page{}, err
			}
			pcs := make([]string, 0, len(f.Personnel))
			for pc := range f.Personnel {
				pcs = append(pcs, pc)
			}
			sort.Strings(pcs)
			var rows []report.Row
			for _, pc := range pcs {
				for _, g := range c.majors {
					var a GroupCounts
					if x := f.Personnel[pc][g]; x != nil {
						a = *x
					}
					dp := func(status string) map[string]string {
						return drillParams(q, q.Agency.Code, q.Params[report.ScopeKey],
							map[string]string{"personnelCategory": pc, "group": g, "status": status})
					}
					rows = append(rows, report.Row{"personnelCategory": pc, "group": g,
						"staff": cell(a.Staff, "P9-people", dp(all)), "participants": cell(a.Participants, "P9-people", dp(participants)),
						"participationRate": report.Rate(a.Participants, a.Staff), "totalHours": a.Hours,
						"averageHours": report.Average(a.Hours, a.Staff)})
				}
			}
			return report.Page{Rows: rows, ComputedAt: &at}, nil
		},
	}
}

func groupMap(t *requirement.Tables) map[string]string {
	m := make(map[string]string, len(t.Groups))
	for _, g := range t.Groups {
		m[g.Category] = g.Group
	}
	return m
}

// P9-people: the people behind a P9 count.
func (s Reports) p9People() report.Definition {
	return report.Definition{
		ID: "P9-people", Feature: "P9", Name: "人資報告學習時數統計表：人員明細", Group: auth.GroupPersonnel, Scoped: true, Drill: true,
		Params: []report.Param{yearParam,
			{Key: "personnelCategory", Label: "人員類別", Kind: report.Text, Required: true, Max: 50},
			{Key: "group", Label: "課程類別", Kind: report.Text, Required: true, Max: 50},
			{Key: "status", Label: "參與情形", Kind: report.Select, Default: all, Options: []report.Option{
				{Value: all, Label: "全部"}, {Value: participants, Label: "參與學習"}}}},
		Columns: append(append([]report.Column{}, personColumns...),
			report.Column{Key: "hours", Name: "課程類別時數", Type: report.NumberColumn}),
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			d, err := s.read(ctx, q, notEnterprise)
			if err != nil {
				return report.Page{}, err
			}
			groups := groupMap(d.tables)
			g := q.Params["group"]
			var ppl []member
			hours := map[string]int{}
			for _, m := range flat(q.Agencies, d.pop) {
				if personnelCategory(m) != q.Params["personnelCategory"] {
					continue
				}
				h := groupHours(d.cats, groups, m)[g]
				if q.Params["status"] == all || h > 0 {
					ppl = append(ppl, m)
					hours[m.ID] = h
				}
			}
			nm := q.AgencyNames()
			return page(q, ppl, func(m member) report.Row {
				r := personRow(q, nm, m)
				r["hours"] = hours[m.ID]
				return r
			})
		},
	}
}

// reaches reports whether m reaches the yearly minimum that applies to them
// (never when none applies).
func (d data) reaches(reqs []requirement.Requirement, m member) bool {
	min, ok := minimum(reqs, m.Category)
	return ok && m.Total >= min
}

// P10 施政績效管理資訊 (and P11 over enterprises): the people table, one row
// per agency in scope (its own figures) and the scope's total.
func (s Reports) performance(id, name string, keep func(agency.Agency) bool) report.Definition {
	drill := id + "-people"
	return report.Definition{
		ID: id, Feature: id, Name: name, Group: auth.GroupPersonnel, Scoped: true,
		Params: []report.Param{yearParam},
		Columns: []report.Column{
			{Key: "agency", Name: "機關", Type: report.TextColumn},
			{Key: "staff", Name: "公務人員數", Type: report.NumberColumn},
			{Key: "participants", Name: "參與學習人數", Type: report.NumberColumn},
			{Key: "reachedMinimum", Name: "達年度最低學習時數人數", Type: report.NumberColumn},
			{Key: "totalHours", Name: "學習總時數", Type: report.NumberColumn},
			{Key: "digitalHours", Name: "數位學習時數", Type: report.NumberColumn},
			{Key: "physicalHours", Name: "實體學習時數", Type: report.NumberColumn},
			{Key: "averageHours", Name: "平均學習時數", Type: report.NumberColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			c, sig, err := s.calc(ctx, yearOf(q))
			if err != nil {
				return report.Page{}, err
			}
			own, at, err := s.perAgency(ctx, q, c, sig, keep)
			if err != nil {
				return report.Page{}, err
			}
			row := func(label any, f Counts, code, scope string) report.Row {
				dp := func(status string) map[string]string {
					return drillParams(q, code, scope, map[string]string{"status": status})
				}
				return report.Row{"agency": label, "staff": cell(f.Staff, drill, dp(all)),
					"participants":   cell(f.Participants, drill, dp(participants)),
					"reachedMinimum": cell(f.Reached, drill, dp(reachedMinimum)),
					"totalHours":     f.Total, "digitalHours": f.Digital, "physicalHours": f.Physical,
					"averageHours": report.Average(f.Total, f.Staff)}
			}
			var rows []report.Row
			var tot Figures
			for _, a := range q.Agencies {
				if !keep(a) {
					continue
				}
				f := own[a.Code]
				tot.People.Add(f.People)
				// The name opens the agency's own report with its subordinates.
				name := report.Cell{Value: a.Name, Drill: report.DrillURL(id, map[string]string{
					report.AgencyKey: a.Code, report.ScopeKey: report.Subtree, "year": q.Params["year"]})}
				rows = append(rows, row(name, f.People, a.Code, report.Self))
			}
			total := row("合計", tot.People, q.Agency.Code, q.Params[report.ScopeKey])
			return report.Page{Rows: rows, Total: total, ComputedAt: &at}, nil
		},
	}
}

// P10-people / P11-people: the people behind a P10 or P11 count.
func (s Reports) performancePeople(id, name string, keep func(agency.Agency) bool) report.Definition {
	return report.Definition{
		ID: id + "-people", Feature: id, Name: name + "：人員明細", Group: auth.GroupPersonnel, Scoped: true, Drill: true,
		Params: []report.Param{yearParam,
			{Key: "status", Label: "學習情形", Kind: report.Select, Default: all, Options: []report.Option{
				{Value: all, Label: "全部"}, {Value: participants, Label: "參與學習"}, {Value: reachedMinimum, Label: "達年度最低學習時數"}}},
			// with a category, 參與學習 means > 0 hours under it (the categories table)
			{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10}},
		Columns: append(append([]report.Column{}, personColumns...),
			report.Column{Key: "totalHours", Name: "學習總時數", Type: report.NumberColumn},
			report.Column{Key: "digitalHours", Name: "數位學習時數", Type: report.NumberColumn},
			report.Column{Key: "physicalHours", Name: "實體學習時數", Type: report.NumberColumn}),
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			d, err := s.read(ctx, q, keep)
			if err != nil {
				return report.Page{}, err
			}
			reqs := d.tables.Of(yearOf(q))
			var category []string // none: every hour
			if c := q.Params["category"]; c != "" {
				category = []string{c}
			}
			var ppl []member
			for _, m := range flat(q.Agencies, d.pop) {
				switch q.Params["status"] {
				case participants:
					if hoursIn(d.cats, m, category) == 0 {
						continue
					}
				case reachedMinimum:
					if !d.reaches(reqs, m) {
						continue
					}
				}
				ppl = append(ppl, m)
			}
			nm := q.AgencyNames()
			return page(q, ppl, func(m member) report.Row {
				r := personRow(q, nm, m)
				r["totalHours"], r["digitalHours"], r["physicalHours"] = m.Total, m.Digital, m.Physical
				return r
			})
		},
	}
}

// P10-categories (and P11's): the course-categories table of P10, one row per
// agency in scope and top-level course category: participants (> 0 hours
// under the category) and their hours; participants open the people.
func (s Reports) performanceCategories(id, name string, keep func(agency.Agency) bool) report.Definition {
	drill := id + "-people"
	return report.Definition{
		ID: id + "-categories", Feature: id, Name: name + "：課程類別", Group: auth.GroupPersonnel, Scoped: true,
		Params: []report.Param{yearParam},
		Columns: []report.Column{
			{Key: "agency", Name: "機關", Type: report.TextColumn},
			{Key: "category", Name: "課程類別", Type: report.TextColumn},
			{Key: "participants", Name: "參與學習人數", Type: report.NumberColumn},
			{Key: "hours", Name: "學習時數", Type: report.NumberColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			c, sig, err := s.calc(ctx, yearOf(q))
			if err != nil {
				return report.Page{}, err
			}
			own, at, err := s.perAgency(ctx, q, c, sig, keep)
			if err != nil {
				return report.Page{}, err
			}
			var rows []report.Row
			for _, a := range q.Agencies {
				if !keep(a) {
					continue
				}
				for _, top := range c.tops {
					var n CategoryCounts
					if x := own[a.Code].Categories[top]; x != nil {
						n = *x
					}
					rows = append(rows, report.Row{"agency": a.Name, "category": records.CategoryName(c.cats, top),
						"participants": cell(n.Participants, drill, drillParams(q, a.Code, report.Self, map[string]string{"status": participants, "category": top})),
						"hours":        n.Hours})
				}
			}
			return report.Page{Rows: rows, ComputedAt: &at}, nil
		},
	}
}
