// Package courseexport is the L2 course list as an export source: the
// agency's classes found with the course search's conditions
// (catalog.ParseClassFilter), one row per class. It is the search table's
// 匯出 (web/js/ui/searchtable.js) for the course search.
package courseexport

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Source is the course list export.
type Source struct {
	Classes catalog.Repo
	Now     func() time.Time
}

// Kind implements export.Source.
func (Source) Kind() string { return "courses" }

var columns = []export.Column{
	{Title: "課程代碼", Kind: export.Text, Width: 14}, {Title: "期別", Kind: export.Text, Width: 6},
	{Title: "課程名稱", Kind: export.Text, Width: 28}, {Title: "課程類別", Kind: export.Text, Width: 10},
	{Title: "開課日期", Kind: export.Text}, {Title: "結訓日期", Kind: export.Text},
	{Title: "認證時數", Kind: export.Number, Width: 9}, {Title: "報名方式", Kind: export.Text, Width: 14},
	{Title: "報名開始", Kind: export.Text}, {Title: "報名結束", Kind: export.Text},
	{Title: "招收名額", Kind: export.Number, Width: 9}, {Title: "已報名", Kind: export.Number, Width: 8},
	{Title: "學習費用", Kind: export.Number, Width: 9}, {Title: "上課地點", Kind: export.Text, Width: 24},
}

// Columns implements export.Source.
func (Source) Columns() []export.Column { return columns }

var methods = catalog.MethodNames

// labels name the conditions in Chinese, in the order the job shows them.
var labels = []struct{ key, label string }{
	{"year", "年度"}, {"code", "課程代碼"}, {"name", "課程名稱"}, {"session", "期別"}, {"from", "開始日期（起）"},
	{"to", "結束日期（迄）"}, {"location", "上課地點"}, {"category", "課程類別"}, {"method", "報名方式"}, {"fee", "學習費用"},
}

// Plan checks the conditions as the course search does, in the caller's agency.
func (s Source) Plan(ctx context.Context, c auth.Caller, p map[string]string) (export.Plan, error) {
	q := url.Values{}
	for k, v := range p {
		q.Set(k, v)
	}
	f, err := catalog.ParseClassFilter(q, s.Now())
	if err != nil {
		return export.Plan{}, err
	}
	params := map[string]string{"agency": c.Active.Code, "year": strconv.Itoa(f.Year)}
	conds := []export.Condition{{Label: "機關", Value: c.Active.Name}}
	for _, l := range labels {
		v := p[l.key]
		switch l.key {
		case "year":
			v = strconv.Itoa(f.Year - 1911)
		case "from", "to":
			v = roc.FormatISO(map[string]string{"from": f.From, "to": f.To}[l.key])
		case "method":
			v = methods[f.Method]
		case "fee":
			v = map[string]string{"free": "免費", "paid": "收費"}[f.Fee]
		}
		if v != "" {
			conds = append(conds, export.Condition{Label: l.label, Value: v})
		}
		if p[l.key] != "" {
			params[l.key] = p[l.key]
		}
	}
	return export.Plan{
		Title:      fmt.Sprintf("民國 %d 年課程清單", f.Year-1911),
		Filename:   fmt.Sprintf("%d年_課程清單", f.Year-1911),
		Conditions: conds,
		Params:     params,
	}, nil
}

// Rows implements export.Source: every class of the conditions, newest first.
func (s Source) Rows(ctx context.Context, p map[string]string, emit func([]string) error) error {
	q := url.Values{}
	for k, v := range p {
		q.Set(k, v)
	}
	f, err := catalog.ParseClassFilter(q, s.Now())
	if err != nil {
		return err
	}
	f.Agency, f.Limit = p["agency"], 100
	for {
		page, err := s.Classes.SearchClasses(ctx, f)
		if err != nil {
			return err
		}
		for _, c := range page.Items {
			err := emit([]string{c.CourseCode, c.Session, c.Name, c.Category, roc.FormatISO(c.Start), roc.FormatISO(c.End),
				strconv.Itoa(c.Hours), methods[c.Method], roc.FormatISO(c.EnrollStart), roc.FormatISO(c.EnrollEnd),
				strconv.Itoa(c.Capacity), strconv.Itoa(c.Enrolled), strconv.Itoa(c.Fee), c.Location})
			if err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		f.After = page.Next
	}
}
