package personnel

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// AgencyRecords reads an agency's records and marks score downloads.
type AgencyRecords interface {
	OfAgency(ctx context.Context, agency string, year int, f records.AgencyFilter, after string, limit int) ([]records.Record, []dynamo.Keys, string, error)
	MarkDownloaded(ctx context.Context, keys []dynamo.Keys, job string, at time.Time) (int, error)
	Notices(ctx context.Context, agency string, year int, f records.AgencyFilter, after string, limit int) ([]records.Record, []dynamo.Keys, string, error)
	ClearNotices(ctx context.Context, keys []dynamo.Keys) (int, error)
}

// delivery is a P1 row's key for Deliver: the record and whether it had an
// open correction notice (which its download closes).
type delivery struct {
	key    dynamo.Keys
	notice bool
}

// P1 成績下載: the results (final records) of the scope's staff whose course
// ended in a date range within one year, never across years (the manual:
// 請以各年度下載學習資料). The download is an export job; when its file is
// stored, the records it delivered are marked downloaded (「尚未下載過成績者」
// then leaves them out) and their correction notices closed. 「僅更正通知」
// lists only the records with an open notice (what H6 counts and links to).
func (s Reports) p1() report.Definition {
	return report.Definition{
		ID: "P1", Feature: "P1", ListedBy: []string{"P2"}, Name: "成績下載", Group: auth.GroupPersonnel, Scoped: true, WholeIDs: true,
		Params: []report.Param{
			{Key: "year", Label: "課程結束年份", Kind: report.Year, Required: true},
			{Key: "from", Label: "課程結束日期（起）", Kind: report.Date},
			{Key: "to", Label: "課程結束日期（迄）", Kind: report.Date},
			{Key: "nationalId", Label: "身分證字號", Kind: report.Text, Max: 10},
			{Key: "courseName", Label: "課程名稱", Kind: report.Text, Max: 100},
			{Key: "notDownloaded", Label: "尚未下載過成績者", Kind: report.Check},
			{Key: "notices", Label: "僅更正通知", Kind: report.Check},
			{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
			{Key: "unit", Label: "部門名稱", Kind: report.Text, Max: 50},
			{Key: "personnelCategory", Label: "人員區別", Kind: report.Text, Max: 50},
		},
		Columns: []report.Column{
			{Key: "agency", Name: "機關", Type: report.TextColumn},
			{Key: "unit", Name: "部門", Type: report.TextColumn},
			{Key: "name", Name: "姓名", Type: report.TextColumn},
			{Key: "nationalId", Name: "身分證字號", Type: report.TextColumn},
			{Key: "personnelCategory", Name: "人員區別", Type: report.TextColumn},
			{Key: "courseCode", Name: "課程代碼", Type: report.TextColumn},
			{Key: "session", Name: "期別", Type: report.TextColumn},
			{Key: "courseName", Name: "課程名稱", Type: report.TextColumn},
			{Key: "category", Name: "課程類別", Type: report.TextColumn},
			{Key: "start", Name: "起日", Type: report.TextColumn},
			{Key: "end", Name: "迄日", Type: report.TextColumn},
			{Key: "hours", Name: "時數", Type: report.NumberColumn},
			{Key: "result", Name: "成績", Type: report.TextColumn},
			{Key: "score", Name: "分數", Type: report.NumberColumn},
			{Key: "downloaded", Name: "曾下載", Type: report.TextColumn},
		},
		Check: func(p map[string]string) error {
			var fe errcode.Fields
			y := p["year"]
			for _, k := range []string{"from", "to"} {
				if p[k] != "" && !strings.HasPrefix(p[k], y+"-") {
					fe.Add(errcode.Field(k, "課程結束日期須在所選年份（民國 "+rocYear(y)+" 年）之內：成績請以各年度下載，無法跨年度。"))
				}
			}
			if err := fe.Err(); err != nil {
				return err
			}
			if p["from"] != "" && p["to"] != "" && p["from"] > p["to"] {
				return errcode.Field("to", "課程結束日期（迄）不可早於（起）。")
			}
			return nil
		},
		Rows:    s.scoreRows,
		Deliver: s.deliver,
	}
}

func rocYear(y string) string {
	n, _ := strconv.Atoi(y)
	return strconv.Itoa(n - 1911)
}

func (s Reports) scoreRows(ctx context.Context, q report.Query) (report.Page, error) {
	f := records.AgencyFilter{From: q.Params["from"], To: q.Params["to"], CourseName: q.Params["courseName"],
		Category: q.Params["category"], FinalOnly: true, NotDownloaded: q.Params["notDownloaded"] == "1", Job: q.Params[export.JobParam]}
	if q.Params["notices"] == "1" {
		return s.recordRowsFrom(ctx, q, f, s.Scores.Notices, s.scoreRow)
	}
	return s.recordRows(ctx, q, f, s.scoreRow)
}

// agencyPage pages an agency's records of a year (records.Repo.OfAgency, .Notices).
type agencyPage func(ctx context.Context, agency string, year int, f records.AgencyFilter, after string, limit int) ([]records.Record, []dynamo.Keys, string, error)

// recordRows pages the records of the agencies in scope (by the agency the
// learner belonged to when learning) matching f and the person conditions
// unit / personnelCategory / nationalId, a row each.
func (s Reports) recordRows(ctx context.Context, q report.Query, f records.AgencyFilter,
	row func(report.Query, map[string]string, *codes.Table, staff.Person, records.Record, dynamo.Keys) report.Row) (report.Page, error) {
	return s.recordRowsFrom(ctx, q, f, s.Scores.OfAgency, row)
}

// recordRowsFrom is recordRows over the records page gives.
func (s Reports) recordRowsFrom(ctx context.Context, q report.Query, f records.AgencyFilter, page agencyPage,
	row func(report.Query, map[string]string, *codes.Table, staff.Person, records.Record, dynamo.Keys) report.Row) (report.Page, error) {
	first, from, err := report.ScopeCursor(q.Cursor, len(q.Agencies))
	if err != nil {
		return report.Page{}, err
	}
	if n := strings.ToUpper(q.Params["nationalId"]); n != "" {
		refs, err := s.People.ByNationalIDs(ctx, []string{n})
		if err != nil {
			return report.Page{}, err
		}
		ref, ok := refs[n]
		if !ok {
			return report.Page{}, nil // nobody with that ID: no records
		}
		f.PersonID = ref.ID
	}
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return report.Page{}, err
	}
	names := q.AgencyNames()
	var rows []report.Row
	for k := first; k < len(q.Agencies); k++ {
		after := ""
		if k == first {
			after = from
		}
		recs, keys, next, err := page(ctx, q.Agencies[k].Code, year(q), f, after, q.Limit-len(rows))
		if err != nil {
			return report.Page{}, err
		}
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.PersonID
		}
		ppl, err := s.People.GetMany(ctx, ids)
		if err != nil {
			return report.Page{}, err
		}
		for i, r := range recs {
			p := ppl[r.PersonID]
			if (q.Params["unit"] != "" && p.Unit != q.Params["unit"]) ||
				(q.Params["personnelCategory"] != "" && p.Category != q.Params["personnelCategory"]) {
				continue
			}
			rows = append(rows, row(q, names, cats, p, r, keys[i]))
		}
		if next != "" {
			return report.Page{Rows: rows, Next: report.ScopeNext(k, next)}, nil
		}
		if len(rows) >= q.Limit && k+1 < len(q.Agencies) {
			return report.Page{Rows: rows, Next: report.ScopeNext(k+1, "")}, nil
		}
	}
	return report.Page{Rows: rows}, nil
}

func (s Reports) scoreRow(q report.Query, names map[string]string, cats *codes.Table, p staff.Person, r records.Record, key dynamo.Keys) report.Row {
	cat := records.CategoryName(cats, r.Category)
	result := "未通過"
	if records.Counted(r) {
		result = "通過"
	}
	var score any
	if r.Score != nil {
		score = *r.Score
	}
	downloaded := "否"
	if r.DownloadedBy != "" {
		downloaded = "是"
	}
	name := p.Name
	if name == "" {
		name = r.PersonID // no longer in the directory
	}
	return report.Row{"agency": names[r.Agency], "unit": p.Unit, "name": name, "nationalId": q.NationalID(p.NationalID),
		"personnelCategory": p.Category, "courseCode": r.CourseCode, "session": r.Session, "courseName": r.CourseName,
		"category": cat, "start": roc.FormatISO(r.Start), "end": roc.FormatISO(r.End), "hours": r.Hours,
		"result": result, "score": score, "downloaded": downloaded, report.KeyField: delivery{key, r.Notice}}
}

func (s Reports) deliver(ctx context.Context, job string, keys []any) error {
	ks := make([]dynamo.Keys, 0, len(keys))
	var notices []dynamo.Keys
	for _, k := range keys {
		d, ok := k.(delivery)
		if !ok {
			return fmt.Errorf("score download %s: row key %T", job, k)
		}
		ks = append(ks, d.key)
		if d.notice {
			notices = append(notices, d.key)
		}
	}
	if _, err := s.Scores.MarkDownloaded(ctx, ks, job, s.now()); err != nil {
		return err
	}
	// After the marks: a failure here leaves notices open (the officer
	// downloads them again), never a notice closed on an unmarked record.
	_, err := s.Scores.ClearNotices(ctx, notices)
	return err
}

func (s Reports) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// P6 同仁課程資料查詢: the courses the staff of each internal unit took in a
// year, with the state of their hours (認證通過、待登錄時數、待人事複核、未通過).
func (s Reports) p6() report.Definition {
	return report.Definition{
		ID: "P6", Feature: "P6", Name: "同仁課程資料查詢", Group: auth.GroupPersonnel, Scoped: true,
		Params: []report.Param{
			yearParam,
			{Key: "unit", Label: "單位", Kind: report.Text, Max: 50},
			{Key: "nationalId", Label: "身分證字號", Kind: report.Text, Max: 10},
			{Key: "courseName", Label: "課程名稱", Kind: report.Text, Max: 100},
			{Key: "category", Label: "課程類別代碼", Kind: report.Text, Max: 10},
		},
		Columns: []report.Column{
			{Key: "unit", Name: "單位", Type: report.TextColumn},
			{Key: "name", Name: "姓名", Type: report.TextColumn},
			{Key: "nationalId", Name: "身分證字號", Type: report.TextColumn},
			{Key: "courseCode", Name: "課程代碼", Type: report.TextColumn},
			{Key: "session", Name: "期別", Type: report.TextColumn},
			{Key: "courseName", Name: "課程名稱", Type: report.TextColumn},
			{Key: "category", Name: "課程類別", Type: report.TextColumn},
			{Key: "start", Name: "起日", Type: report.TextColumn},
			{Key: "end", Name: "迄日", Type: report.TextColumn},
			{Key: "hours", Name: "時數", Type: report.NumberColumn},
			{Key: "status", Name: "核可狀態", Type: report.TextColumn},
		},
		Rows: func(ctx context.Context, q report.Query) (report.Page, error) {
			f := records.AgencyFilter{CourseName: q.Params["courseName"], Category: q.Params["category"]}
			return s.recordRows(ctx, q, f, func(q report.Query, _ map[string]string, cats *codes.Table, p staff.Person, r records.Record, _ dynamo.Keys) report.Row {
				row := s.courseRow(cats, r)
				row["unit"], row["name"], row["nationalId"] = p.Unit, p.Name, q.NationalID(p.NationalID)
				return row
			})
		},
	}
}
