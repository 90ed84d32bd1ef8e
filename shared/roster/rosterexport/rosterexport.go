// Package rosterexport is the L5 roster download as an export source: a
// class's approved enrollees (package roster) as the rows of an export job.
package rosterexport

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/roster"
)

// Sort orders of a roster.
var sorts = map[string]string{
	"name":   "姓名（筆畫）",
	"agency": "服務機關（層級）、姓名",
	"order":  "報名順序",
}

// Source is the roster export.
type Source struct {
	roster.Loader
}

// Kind implements export.Source.
func (Source) Kind() string { return "roster" }

// columns are the roster's columns, then one per special-survey question a
// course may ask (blank for a class that does not ask it).
var columns = append([]export.Column{
	{Title: "序號", Kind: export.Number, Width: 6}, {Title: "身分證字號", Kind: export.Text, Width: 13},
	{Title: "姓名", Kind: export.Text}, {Title: "性別", Kind: export.Text, Width: 6},
	{Title: "出生日期", Kind: export.Text}, {Title: "服務機關代碼", Kind: export.Text, Width: 13},
	{Title: "服務機關", Kind: export.Text, Width: 28}, {Title: "機關層級", Kind: export.Number, Width: 9},
	{Title: "單位", Kind: export.Text, Width: 14}, {Title: "職稱", Kind: export.Text},
	{Title: "官職等", Kind: export.Text, Width: 16}, {Title: "人員類別", Kind: export.Text, Width: 14},
	{Title: "報名日期", Kind: export.Text}, {Title: "課程代碼", Kind: export.Text, Width: 12},
	{Title: "期別", Kind: export.Text, Width: 6}, {Title: "課程名稱", Kind: export.Text, Width: 24},
	{Title: "開課日期", Kind: export.Text}, {Title: "結訓日期", Kind: export.Text}, {Title: "時數", Kind: export.Number, Width: 6},
}, surveyColumns()...)

func surveyColumns() []export.Column {
	out := make([]export.Column, len(catalog.SurveyQuestions))
	for i, q := range catalog.SurveyQuestions {
		out[i] = export.Column{Title: q.Label, Kind: export.Text, Width: 14}
	}
	return out
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
		return export.Plan{}, catalog.ClassNotFound(code, session)
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

// Rows implements export.Source.
func (s Source) Rows(ctx context.Context, p map[string]string, emit func([]string) error) error {
	class, err := s.Classes.Get(ctx, p["courseCode"], p["session"])
	if err != nil {
		return err
	}
	rows, err := s.Load(ctx, class, catalog.Approved, p["sort"])
	if err != nil {
		return err
	}
	for i, r := range rows {
		gender := map[int]string{1: "男", 2: "女"}[r.Person.Gender]
		line := []string{
			strconv.Itoa(i + 1), r.Person.NationalID, r.Person.Name, gender, roc.FormatISO(r.Person.Birth),
			r.Agency.Code, r.Agency.Name, strconv.Itoa(r.Agency.Level), r.Person.Unit, r.Person.Title, r.Person.Rank,
			r.Person.Category, roc.Format(r.At.In(roc.Taipei)), class.CourseCode, class.Session, class.Name,
			roc.FormatISO(class.Start), roc.FormatISO(class.End), strconv.Itoa(class.Hours),
		}
		for _, q := range catalog.SurveyQuestions {
			line = append(line, r.Answers[q.Key])
		}
		err := emit(line)
		if err != nil {
			return err
		}
	}
	return nil
}
