package personnel

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/report"
)

// P12 同仁登錄會員明細: the staff of the scope with whether each is a portal
// member; the national ID is masked on screen and whole in the export.
func (s Reports) p12() report.Definition {
	return s.memberList("P12", "P12", "同仁登錄會員明細", false)
}

// memberList is P12's list; P13's counts open it as a drill-down of their own
// (P13-people), so they need only P13's grant.
func (s Reports) memberList(id, feature, name string, drill bool) report.Definition {
	return report.Definition{
		ID: id, Feature: feature, Name: name, Group: auth.GroupPersonnel, Scoped: true, Drill: drill,
		Params: append([]report.Param{{Key: "member", Label: "會員狀態", Kind: report.Select, Default: "yes",
			Options: []report.Option{{Value: "yes", Label: "已登錄會員"}, {Value: "no", Label: "未登錄會員"}, {Value: "all", Label: "全部"}}}},
			personParams...),
		Columns: []report.Column{
			{Key: "agency", Name: "機關", Type: report.TextColumn},
			{Key: "unit", Name: "單位", Type: report.TextColumn},
			{Key: "name", Name: "姓名", Type: report.TextColumn},
			{Key: "nationalId", Name: "身分證字號", Type: report.TextColumn},
			{Key: "title", Name: "職稱", Type: report.TextColumn},
			{Key: "rank", Name: "官職等", Type: report.TextColumn},
			{Key: "personnelCategory", Name: "人員類別", Type: report.TextColumn},
			{Key: "member", Name: "會員", Type: report.TextColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			f := filterOf(q.Params)
			if f.Member == "all" {
				f.Member = ""
			}
			ppl, next, err := s.peoplePage(ctx, q, f)
			if err != nil {
				return report.Page{}, err
			}
			names := q.AgencyNames()
			rows := make([]report.Row, len(ppl))
			for i, p := range ppl {
				member := "否"
				if p.Member {
					member = "是"
				}
				rows[i] = report.Row{"agency": names[p.Agency], "unit": p.Unit, "name": p.Name,
					"nationalId": q.NationalID(p.NationalID), "title": p.Title, "rank": p.Rank,
					"personnelCategory": p.Category, "member": member}
			}
			return report.Page{Rows: rows, Next: next}, nil
		},
	}
}

// P13 同仁登錄會員統計(含所屬機關): one row per agency in scope and a total;
// each count opens the P12 list behind it (that agency alone).
func (s Reports) p13() report.Definition {
	return report.Definition{
		ID: "P13", Feature: "P13", Name: "同仁登錄會員統計(含所屬機關)", Group: auth.GroupPersonnel, Scoped: true,
		Columns: []report.Column{
			{Key: "agency", Name: "機關", Type: report.TextColumn},
			{Key: "staff", Name: "公務人員數", Type: report.NumberColumn},
			{Key: "members", Name: "已登錄會員數", Type: report.NumberColumn},
			{Key: "nonMembers", Name: "未登錄會員數", Type: report.NumberColumn},
			{Key: "memberRate", Name: "會員比率(%)", Type: report.RateColumn},
		},
		// The whole scope is one page: the total needs every agency anyway,
		// and a subtree has at most a few hundred agencies.
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			type count struct{ staff, members int }
			counts := make([]count, len(q.Agencies))
			g, gctx := errgroup.WithContext(ctx)
			g.SetLimit(8)
			var mu sync.Mutex
			for i, a := range q.Agencies {
				g.Go(func() error {
					st, m, err := s.People.Count(gctx, a.Code)
					mu.Lock()
					counts[i] = count{st, m}
					mu.Unlock()
					return err
				})
			}
			if err := g.Wait(); err != nil {
				return report.Page{}, err
			}
			drill := func(code, member string, n int) report.Cell {
				return report.Cell{Value: n, Drill: report.DrillURL("P13-people", map[string]string{
					report.AgencyKey: code, report.ScopeKey: report.Self, "member": member})}
			}
			var rows []report.Row
			var tot count
			for i, a := range q.Agencies {
				c := counts[i]
				tot.staff += c.staff
				tot.members += c.members
				rows = append(rows, report.Row{"agency": a.Name, "staff": drill(a.Code, "all", c.staff),
					"members": drill(a.Code, "yes", c.members), "nonMembers": drill(a.Code, "no", c.staff-c.members),
					"memberRate": report.Rate(c.members, c.staff)})
			}
			total := report.Row{"agency": "合計", "staff": tot.staff, "members": tot.members,
				"nonMembers": tot.staff - tot.members, "memberRate": report.Rate(tot.members, tot.staff)}
			return report.Page{Rows: rows, Total: total}, nil
		},
	}
}
