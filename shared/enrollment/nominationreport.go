package enrollment

import (
	"context"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// StatusNames are how officers read enrollment states.
var StatusNames = map[string]string{catalog.Pending: "待審核", catalog.Approved: "已核准", catalog.Rejected: "已駁回"}

// NominationReport is P3's query (薦送報名: 輸入相關查詢條件，可查詢薦送人員及
// 課程相關資訊): the active agency's nominations, newest first, by class,
// person, unit, nomination date and status.
type NominationReport struct {
	Table dynamo.Table // the catalog table (enrollments and their NOMS# index)
	Class interface {
		Get(ctx context.Context, code, session string) (catalog.Class, error)
	}
	People interface {
		GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error)
	}
}

// Definition is the report P3.
func (n NominationReport) Definition() report.Definition {
	return report.Definition{
		ID: "P3", Feature: "P3", Name: "薦送報名查詢", Group: auth.GroupPersonnel, Scoped: true,
		Params: []report.Param{
			{Key: "course", Label: "課程代碼或名稱", Kind: report.Text, Max: 100},
			{Key: "session", Label: "期別", Kind: report.Text, Max: 10},
			{Key: "classFrom", Label: "上課日期（起）", Kind: report.Date},
			{Key: "classTo", Label: "上課日期（迄）", Kind: report.Date},
			{Key: "person", Label: "身分證字號或姓名", Kind: report.Text, Max: 50},
			{Key: "unit", Label: "單位", Kind: report.Text, Max: 50},
			{Key: "from", Label: "薦送日期（起）", Kind: report.Date},
			{Key: "to", Label: "薦送日期（迄）", Kind: report.Date},
			{Key: "status", Label: "報名狀態", Kind: report.Select, Options: []report.Option{
				{Value: catalog.Pending, Label: StatusNames[catalog.Pending]}, {Value: catalog.Approved, Label: StatusNames[catalog.Approved]},
				{Value: catalog.Rejected, Label: StatusNames[catalog.Rejected]}}},
		},
		Columns: []report.Column{
			{Key: "nominated", Name: "薦送日期", Type: report.TextColumn},
			{Key: "courseCode", Name: "課程代碼", Type: report.TextColumn},
			{Key: "session", Name: "期別", Type: report.TextColumn},
			{Key: "className", Name: "課程名稱", Type: report.TextColumn},
			{Key: "start", Name: "開課日期", Type: report.TextColumn},
			{Key: "end", Name: "結訓日期", Type: report.TextColumn},
			{Key: "name", Name: "姓名", Type: report.TextColumn},
			{Key: "nationalId", Name: "身分證字號", Type: report.TextColumn},
			{Key: "unit", Name: "單位", Type: report.TextColumn},
			{Key: "status", Name: "報名狀態", Type: report.TextColumn},
			{Key: "reason", Name: "說明", Type: report.TextColumn},
		},
		Check: func(p map[string]string) error {
			if p["from"] != "" && p["to"] != "" && p["from"] > p["to"] {
				return errcode.Field("to", "薦送日期（迄）不可早於（起）。")
			}
			return nil
		},
		Rows: n.rows,
	}
}

type nomination struct {
	GSI1SK string `dynamo:"gsi1sk"`
	catalog.Enrollment
}

// rows pages the nominations the agencies in scope made, newest first,
// agency by agency ("<agency index>|<sort key>").
func (n NominationReport) rows(ctx context.Context, q report.Query) (report.Page, error) {
	upper := "~"
	if q.Params["to"] != "" {
		t, _ := time.ParseInLocation(time.DateOnly, q.Params["to"], roc.Taipei)
		upper = t.AddDate(0, 0, 1).UTC().Format(time.RFC3339Nano)
	}
	var lower string
	if q.Params["from"] != "" {
		t, _ := time.ParseInLocation(time.DateOnly, q.Params["from"], roc.Taipei)
		lower = t.UTC().Format(time.RFC3339Nano)
	}
	k, after, err := report.ScopeCursor(q.Cursor, len(q.Agencies))
	if err != nil {
		return report.Page{}, err
	}
	var rows []report.Row
	for ; k < len(q.Agencies); k, after = k+1, "" {
		for len(rows) < q.Limit {
			items, next, err := store.FilteredPage(ctx, func(after string) *dynamo.Query {
				bound := upper
				if after != "" {
					bound = after
				}
				qq := n.Table.Get("gsi1pk", "NOMS#"+q.Agencies[k].Code).Index("gsi1").Order(dynamo.Descending).Range("gsi1sk", dynamo.Less, bound)
				if s := q.Params["status"]; s != "" {
					qq.Filter("$ = ?", "status", s)
				}
				if s := strings.TrimLeft(q.Params["session"], "0"); s != "" {
					qq.Filter("$ = ?", "session", s)
				}
				return qq
			}, "gsi1sk", func(it nomination) string { return it.GSI1SK }, after, q.Limit-len(rows))
			if err != nil {
				return report.Page{}, err
			}
			done := next == ""
			for i, it := range items { // newest first: the first one before the range ends it
				if it.GSI1SK < lower {
					items, done = items[:i], true
					break
				}
			}
			page, err := n.join(ctx, q, items)
			if err != nil {
				return report.Page{}, err
			}
			rows = append(rows, page...)
			if done {
				break
			}
			after = next
			if len(rows) >= q.Limit {
				return report.Page{Rows: rows, Next: report.ScopeNext(k, after)}, nil
			}
		}
		if len(rows) >= q.Limit && k+1 < len(q.Agencies) {
			return report.Page{Rows: rows, Next: report.ScopeNext(k+1, "")}, nil
		}
	}
	return report.Page{Rows: rows}, nil
}

// join adds the class and the person to each nomination and applies the
// conditions on them (course name, class dates, person, unit).
func (n NominationReport) join(ctx context.Context, q report.Query, items []nomination) ([]report.Row, error) {
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.PersonID
	}
	ppl, err := n.People.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	classes := map[string]catalog.Class{}
	var rows []report.Row
	p := q.Params
	for _, it := range items {
		key := catalog.ClassKey(it.CourseCode, it.Session)
		c, ok := classes[key]
		if !ok {
			if c, err = n.Class.Get(ctx, it.CourseCode, it.Session); err != nil && !errcode.Is(err, errcode.NotFound) {
				return nil, err
			}
			classes[key] = c
		}
		person := ppl[it.PersonID]
		course := strings.ToUpper(p["course"])
		switch {
		case course != "" && !strings.Contains(strings.ToUpper(it.CourseCode), course) && !strings.Contains(c.Name, p["course"]):
			continue
		case p["classFrom"] != "" && c.Start < p["classFrom"], p["classTo"] != "" && c.End > p["classTo"]:
			continue
		case p["person"] != "" && person.NationalID != strings.ToUpper(p["person"]) && !strings.Contains(person.Name, p["person"]):
			continue
		case p["unit"] != "" && person.Unit != p["unit"]:
			continue
		}
		id := q.NationalID(person.NationalID)
		rows = append(rows, report.Row{"nominated": roc.Format(roc.Day(it.At)), "courseCode": it.CourseCode, "session": it.Session,
			"className": c.Name, "start": roc.FormatISO(c.Start), "end": roc.FormatISO(c.End), "name": person.Name,
			"nationalId": id, "unit": person.Unit, "status": StatusNames[it.Status], "reason": it.Reason})
	}
	return rows, nil
}
