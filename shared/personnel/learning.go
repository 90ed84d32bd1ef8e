package personnel

import (
	"context"
	"slices"
	"sort"
	"strconv"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

var yearParam = report.Param{Key: "year", Label: "年度", Kind: report.Year, Required: true}

func year(q report.Query) int { y, _ := strconv.Atoi(q.Params["year"]); return y }

var personColumns = []report.Column{
	{Key: "agency", Name: "機關", Type: report.TextColumn},
	{Key: "unit", Name: "單位", Type: report.TextColumn},
	{Key: "name", Name: "姓名", Type: report.TextColumn},
	{Key: "nationalId", Name: "身分證字號", Type: report.TextColumn},
	{Key: "rank", Name: "官職等", Type: report.TextColumn},
	{Key: "personnelCategory", Name: "人員類別", Type: report.TextColumn},
}

func personRow(q report.Query, names map[string]string, p staff.Person) report.Row {
	return report.Row{"agency": names[p.Agency], "unit": p.Unit, "name": p.Name,
		"nationalId": q.NationalID(p.NationalID), "rank": p.Rank, "personnelCategory": p.Category}
}

// P5 同仁學習狀況明細: the people of the scope with their certified hours of
// the year; the course count opens the person's course detail.
func (s Reports) p5() report.Definition {
	cols := append(append([]report.Column{}, personColumns...),
		report.Column{Key: "totalHours", Name: "總時數", Type: report.NumberColumn},
		report.Column{Key: "digitalHours", Name: "數位時數", Type: report.NumberColumn},
		report.Column{Key: "physicalHours", Name: "實體時數", Type: report.NumberColumn},
		report.Column{Key: "courses", Name: "認證課程數", Type: report.NumberColumn})
	return report.Definition{
		ID: "P5", Feature: "P5", Name: "同仁學習狀況明細", Group: auth.GroupPersonnel, Scoped: true,
		Params: append([]report.Param{yearParam}, personParams...), Columns: cols,
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			ppl, hours, next, err := s.hoursPage(ctx, q)
			if err != nil {
				return report.Page{}, err
			}
			names := q.AgencyNames()
			rows := make([]report.Row, len(ppl))
			for i, p := range ppl {
				h := hours[p.ID]
				r := personRow(q, names, p)
				r["totalHours"], r["digitalHours"], r["physicalHours"] = h.Total, h.Digital, h.Physical
				r["courses"] = report.Cell{Value: h.Records, Drill: report.DrillURL("P5-courses", map[string]string{
					report.AgencyKey: p.Agency, report.ScopeKey: report.Self, "year": q.Params["year"], "person": p.ID})}
				rows[i] = r
			}
			return report.Page{Rows: rows, Next: next}, nil
		},
	}
}

var courseColumns = []report.Column{
	{Key: "courseCode", Name: "課程代碼", Type: report.TextColumn},
	{Key: "session", Name: "期別", Type: report.TextColumn},
	{Key: "courseName", Name: "課程名稱", Type: report.TextColumn},
	{Key: "category", Name: "學習類別", Type: report.TextColumn},
	{Key: "institution", Name: "訓練機構", Type: report.TextColumn},
	{Key: "start", Name: "起日", Type: report.TextColumn},
	{Key: "end", Name: "迄日", Type: report.TextColumn},
	{Key: "hours", Name: "時數", Type: report.NumberColumn},
	{Key: "digitalHours", Name: "數位時數", Type: report.NumberColumn},
	{Key: "physicalHours", Name: "實體時數", Type: report.NumberColumn},
	{Key: "status", Name: "狀態", Type: report.TextColumn},
}

// StatusName is how a record's state reads to an officer.
func StatusName(r records.Record) string {
	switch {
	case r.Status == records.AwaitingHours:
		return "待登錄時數"
	case r.Status == records.PendingReview:
		return "待人事複核"
	case records.Counted(r):
		return "認證通過"
	}
	return "未通過"
}

func (s Reports) courseRow(cats *codes.Table, r records.Record) report.Row {
	d, p := 0, 0
	if records.Counted(r) {
		d, p = records.Split(r)
	}
	return report.Row{"courseCode": r.CourseCode, "session": r.Session, "courseName": r.CourseName, "category": records.CategoryName(cats, r.Category),
		"institution": r.Institution, "start": roc.FormatISO(r.Start), "end": roc.FormatISO(r.End), "hours": r.Hours,
		"digitalHours": d, "physicalHours": p, "status": StatusName(r)}
}

// P5-courses: one person's records of the year (the drill-down of P5's
// course count); the person must belong to the agency in scope.
func (s Reports) p5Courses() report.Definition {
	return report.Definition{
		ID: "P5-courses", Feature: "P5", Name: "同仁學習狀況明細：個人課程", Group: auth.GroupPersonnel,
		Scoped: true, Drill: true,
		Params: []report.Param{yearParam, {Key: "person", Label: "人員", Kind: report.Text, Required: true, Max: 64},
			{Key: "all", Label: "含未認證紀錄（待登錄、待複核、未通過）", Kind: report.Check}},
		Columns: courseColumns,
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			id := q.Params["person"]
			ppl, err := s.People.GetMany(ctx, []string{id})
			if err != nil {
				return report.Page{}, err
			}
			p, ok := ppl[id]
			if !ok || !inScope(q, p.Agency) {
				return report.Page{}, errcode.New(errcode.NotFound, "查無此人員，或此人員不屬於所選機關。")
			}
			recs, err := s.Records.OfPerson(ctx, id, year(q))
			if err != nil {
				return report.Page{}, err
			}
			if q.Params["all"] == "" { // the cell counts certified courses: its list has exactly those
				recs = slices.DeleteFunc(recs, func(r records.Record) bool { return !records.Counted(r) })
			}
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			sort.Slice(recs, func(i, j int) bool {
				return recs[i].End < recs[j].End || recs[i].End == recs[j].End && recs[i].ID < recs[j].ID
			})
			rows := make([]report.Row, len(recs))
			for i, r := range recs {
				rows[i] = s.courseRow(cats, r)
			}
			return report.Page{Rows: rows}, nil
		},
	}
}

// P5-details (匯出明細): every person's records of the year, a row each, with
// the person's columns first. Paged by people, so an export of the whole
// subtree streams a page of people at a time.
func (s Reports) p5Details() report.Definition {
	return report.Definition{
		ID: "P5-details", Feature: "P5", Name: "同仁學習狀況明細：課程明細", Group: auth.GroupPersonnel,
		Scoped: true, Drill: true,
		Params:  append([]report.Param{yearParam}, personParams...),
		Columns: append(append([]report.Column{}, personColumns...), courseColumns...),
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			ppl, next, err := s.peoplePage(ctx, q, filterOf(q.Params))
			if err != nil {
				return report.Page{}, err
			}
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			recs, err := s.recordsOf(ctx, ppl, year(q))
			if err != nil {
				return report.Page{}, err
			}
			names := q.AgencyNames()
			var rows []report.Row
			for i, p := range ppl {
				for _, r := range recs[i] {
					row := s.courseRow(cats, r)
					for k, v := range personRow(q, names, p) {
						row[k] = v
					}
					rows = append(rows, row)
				}
			}
			return report.Page{Rows: rows, Next: next}, nil
		},
	}
}

// recordsOf reads the records of each person (eight queries at a time).
func (s Reports) recordsOf(ctx context.Context, ppl []staff.Person, y int) ([][]records.Record, error) {
	out := make([][]records.Record, len(ppl))
	err := each(ctx, len(ppl), func(ctx context.Context, i int) error {
		recs, err := s.Records.OfPerson(ctx, ppl[i].ID, y)
		sort.Slice(recs, func(a, b int) bool {
			return recs[a].End < recs[b].End || recs[a].End == recs[b].End && recs[a].ID < recs[b].ID
		})
		out[i] = recs
		return err
	})
	return out, err
}

// P7 同仁學習類別時數一覽: each person's certified hours of the year under each
// top-level course category (a record counts under its category's top-level
// ancestor), from the learning summaries.
func (s Reports) p7() report.Definition {
	tops := topCategories() // parsed once per definition, not per row
	cols := append([]report.Column{}, personColumns...)
	for _, c := range tops {
		cols = append(cols, report.Column{Key: "cat" + c.Code, Name: c.Name, Type: report.NumberColumn})
	}
	cols = append(cols, report.Column{Key: "totalHours", Name: "總時數", Type: report.NumberColumn})
	return report.Definition{
		ID: "P7", Feature: "P7", Name: "同仁學習類別時數一覽", Group: auth.GroupPersonnel, Scoped: true,
		Params: append([]report.Param{yearParam}, personParams...), Columns: cols,
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			ppl, hours, next, err := s.hoursPage(ctx, q)
			if err != nil {
				return report.Page{}, err
			}
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			names := q.AgencyNames()
			rows := make([]report.Row, len(ppl))
			for i, p := range ppl {
				r := personRow(q, names, p)
				h := hours[p.ID]
				byTop := map[string]int{}
				for code, n := range h.Categories {
					byTop[topOf(cats, code)] += n
				}
				for _, c := range tops {
					r["cat"+c.Code] = byTop[c.Code]
				}
				r["totalHours"] = h.Total
				rows[i] = r
			}
			return report.Page{Rows: rows, Next: next}, nil
		},
	}
}

// topCategories are the top level of the repository's category table, and
// 進修 (further study, which has none): the columns of P7, which add up to
// 總時數 (a deployed table with other top-level codes needs a release to
// change these columns; its hours still add up in 總時數).
func topCategories() []codes.Entry {
	t, err := codes.Default(codes.Categories)
	if err != nil {
		return nil
	}
	var out []codes.Entry
	for _, e := range t.Entries {
		if e.Parent == "" {
			out = append(out, e)
		}
	}
	return append(out, codes.Entry{Code: records.Study, Name: records.StudyName})
}

// topOf is the P7 column a record's own category counts in.
func topOf(cats *codes.Table, code string) string {
	if records.IsStudy(code) {
		return records.Study
	}
	return cats.Top(code)
}

// P7-units: P7 by internal unit — for each unit of each agency in scope, its
// people (matching the conditions) and their certified hours under each
// top-level category. It reads every matching person of the scope (a page
// of the directory and one BatchGetItem of summaries per hundred people).
func (s Reports) p7Units() report.Definition {
	cols := []report.Column{
		{Key: "agency", Name: "機關", Type: report.TextColumn},
		{Key: "unit", Name: "單位", Type: report.TextColumn},
		{Key: "staff", Name: "人數", Type: report.NumberColumn},
	}
	tops := topCategories() // parsed once per definition, not per row
	for _, c := range tops {
		cols = append(cols, report.Column{Key: "cat" + c.Code, Name: c.Name, Type: report.NumberColumn})
	}
	cols = append(cols, report.Column{Key: "totalHours", Name: "總時數", Type: report.NumberColumn},
		report.Column{Key: "averageHours", Name: "平均時數", Type: report.NumberColumn})
	return report.Definition{
		ID: "P7-units", Feature: "P7", Name: "同仁學習類別時數一覽：依單位", Group: auth.GroupPersonnel, Scoped: true, Drill: true,
		Params: append([]report.Param{yearParam}, personParams...), Columns: cols,
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			cats, err := s.Codes.Get(ctx, codes.Categories)
			if err != nil {
				return report.Page{}, err
			}
			type unit struct {
				agency, name string
				staff, total int
				byTop        map[string]int
			}
			var order []*unit
			units := map[string]*unit{}
			all := q
			all.Cursor, all.Limit = "", 100
			for {
				ppl, next, err := s.peoplePage(ctx, all, filterOf(q.Params))
				if err != nil {
					return report.Page{}, err
				}
				hours, err := s.Hours.YearHours(ctx, year(q), ids(ppl))
				if err != nil {
					return report.Page{}, err
				}
				for _, p := range ppl {
					k := p.Agency + "\x00" + p.Unit
					u := units[k]
					if u == nil {
						u = &unit{agency: p.Agency, name: p.Unit, byTop: map[string]int{}}
						units[k] = u
						order = append(order, u)
					}
					u.staff++
					h := hours[p.ID]
					u.total += h.Total
					for code, n := range h.Categories {
						u.byTop[topOf(cats, code)] += n
					}
				}
				if next == "" {
					break
				}
				all.Cursor = next
			}
			names := q.AgencyNames()
			total := report.Row{"agency": "合計"}
			sumStaff, sumHours, sumTop := 0, 0, map[string]int{}
			var rows []report.Row
			for _, u := range order {
				r := report.Row{"agency": names[u.agency], "unit": u.name, "staff": u.staff, "totalHours": u.total,
					"averageHours": report.Average(u.total, u.staff)}
				for _, c := range tops {
					r["cat"+c.Code] = u.byTop[c.Code]
					sumTop[c.Code] += u.byTop[c.Code]
				}
				sumStaff += u.staff
				sumHours += u.total
				rows = append(rows, r)
			}
			total["staff"], total["totalHours"], total["averageHours"] = sumStaff, sumHours, report.Average(sumHours, sumStaff)
			for _, c := range tops {
				total["cat"+c.Code] = sumTop[c.Code]
			}
			return report.Page{Rows: rows, Total: total}, nil
		},
	}
}

// hoursPage is a page of the scope's people matching the person conditions,
// with their summaries' hours of the year.
func (s Reports) hoursPage(ctx context.Context, q report.Query) ([]staff.Person, map[string]Hours, string, error) {
	ppl, next, err := s.peoplePage(ctx, q, filterOf(q.Params))
	if err != nil {
		return nil, nil, "", err
	}
	hours, err := s.Hours.YearHours(ctx, year(q), ids(ppl))
	return ppl, hours, next, err
}
