// Package roster is the L5 roster (名冊) of a class: its approved enrollees
// with their basic data, sorted as the officer chooses. It is an export
// source; the sign-in sheets of issue 6 will read the same rows.
package roster

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Sort orders of a roster.
var sorts = map[string]string{
	"name":   "姓名（筆畫）",
	"agency": "服務機關（層級）、姓名",
	"order":  "報名順序",
}

// Source is the roster export.
type Source struct {
	Classes  catalog.Repo
	People   staff.Repo
	Agencies agency.Repo
}

// Kind implements export.Source.
func (Source) Kind() string { return "roster" }

var columns = []export.Column{
	{Title: "序號", Kind: export.Number, Width: 6}, {Title: "身分證字號", Kind: export.Text, Width: 13},
	{Title: "姓名", Kind: export.Text}, {Title: "性別", Kind: export.Text, Width: 6},
	{Title: "出生日期", Kind: export.Text}, {Title: "服務機關代碼", Kind: export.Text, Width: 13},
	{Title: "服務機關", Kind: export.Text, Width: 28}, {Title: "機關層級", Kind: export.Number, Width: 9},
	{Title: "單位", Kind: export.Text, Width: 14}, {Title: "職稱", Kind: export.Text},
	{Title: "官職等", Kind: export.Text, Width: 16}, {Title: "人員類別", Kind: export.Text, Width: 14},
	{Title: "報名日期", Kind: export.Text}, {Title: "課程代碼", Kind: export.Text, Width: 12},
	{Title: "期別", Kind: export.Text, Width: 6}, {Title: "課程名稱", Kind: export.Text, Width: 24},
	{Title: "開課日期", Kind: export.Text}, {Title: "結訓日期", Kind: export.Text}, {Title: "時數", Kind: export.Number, Width: 6},
}

// Columns implements export.Source.
func (Source) Columns() []export.Column { return columns }

// Plan checks that the class exists and belongs to the caller's agency (or below).
func (s Source) Plan(ctx context.Context, c auth.Caller, p map[string]string) (export.Plan, error) {
	code, session, order := strings.TrimSpace(p["courseCode"]), strings.TrimSpace(p["session"]), p["sort"]
	if code == "" || session == "" {
		return export.Plan{}, errcode.Field("courseCode", "請選擇課程（課程代碼與期別）。")
	}
	if order == "" {
		order = "name"
	}
	if _, ok := sorts[order]; !ok {
		return export.Plan{}, errcode.Field("sort", "排序方式須為 name、agency 或 order。")
	}
	class, err := s.Classes.Get(ctx, code, session)
	if err != nil {
		return export.Plan{}, err
	}
	org, err := s.Agencies.Get(ctx, class.Agency)
	if err != nil || !c.InScope(org) {
		return export.Plan{}, errcode.New(errcode.NotFound, fmt.Sprintf("找不到課程 %s 第 %s 期。", code, session))
	}
	return export.Plan{
		Title:    fmt.Sprintf("%s 第%s期 名冊", class.Name, session),
		Filename: fmt.Sprintf("%s-%s_%s_名冊", code, session, class.Name),
		Conditions: []export.Condition{{Label: "課程", Value: class.Name}, {Label: "課程代碼", Value: code},
			{Label: "期別", Value: session}, {Label: "上課日期", Value: roc.FormatISO(class.Start) + "～" + roc.FormatISO(class.End)},
			{Label: "排序", Value: sorts[order]}},
		Params: map[string]string{"courseCode": code, "session": session, "sort": order},
	}, nil
}

// Row is one approved enrollee with what the roster shows.
type Row struct {
	catalog.Enrollment
	Person staff.Person
	Agency agency.Agency
}

// Load returns a class's approved enrollees, sorted.
func (s Source) Load(ctx context.Context, class catalog.Class, order string) ([]Row, error) {
	enr, err := s.Classes.Enrollees(ctx, class, catalog.Approved)
	if err != nil {
		return nil, err
	}
	ids, codes := make([]string, len(enr)), make([]string, len(enr))
	for i, e := range enr {
		ids[i], codes[i] = e.PersonID, e.Agency
	}
	people, err := s.People.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	agencies, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, len(enr))
	for i, e := range enr {
		rows[i] = Row{Enrollment: e, Person: people[e.PersonID], Agency: agencies[e.Agency]}
	}
	Sort(rows, order)
	return rows, nil
}

// stroke compares names in Traditional Chinese stroke order, as officers expect.
var stroke = collate.New(language.MustParse("zh-Hant-u-co-stroke"))

// Sort orders rows by name (stroke order), by agency level then agency then
// name, or by enrollment time.
func Sort(rows []Row, order string) {
	byName := func(a, b Row) int {
		if c := stroke.CompareString(a.Person.Name, b.Person.Name); c != 0 {
			return c
		}
		return strings.Compare(a.PersonID, b.PersonID)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch order {
		case "agency":
			if a.Agency.Level != b.Agency.Level {
				return a.Agency.Level < b.Agency.Level
			}
			if a.Agency.Code != b.Agency.Code {
				return a.Agency.Code < b.Agency.Code
			}
			return byName(a, b) < 0
		case "order":
			if !a.At.Equal(b.At) {
				return a.At.Before(b.At)
			}
			return a.PersonID < b.PersonID
		default:
			return byName(a, b) < 0
		}
	})
}

// Rows implements export.Source.
func (s Source) Rows(ctx context.Context, p map[string]string, emit func([]string) error) error {
	class, err := s.Classes.Get(ctx, p["courseCode"], p["session"])
	if err != nil {
		return err
	}
	rows, err := s.Load(ctx, class, p["sort"])
	if err != nil {
		return err
	}
	for i, r := range rows {
		gender := map[int]string{1: "男", 2: "女"}[r.Person.Gender]
		err := emit([]string{
			strconv.Itoa(i + 1), r.Person.NationalID, r.Person.Name, gender, roc.FormatISO(r.Person.Birth),
			r.Agency.Code, r.Agency.Name, strconv.Itoa(r.Agency.Level), r.Person.Unit, r.Person.Title, r.Person.Rank,
			r.Person.Category, roc.Format(r.At.In(roc.Taipei)), class.CourseCode, class.Session, class.Name,
			roc.FormatISO(class.Start), roc.FormatISO(class.End), strconv.Itoa(class.Hours),
		})
		if err != nil {
			return err
		}
	}
	return nil
}
