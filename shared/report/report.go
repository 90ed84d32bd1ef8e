// Package report is the unit every report of the back office is built from
// (人事單位 P1–P18, 統計報表 R1–R4): a declarative Definition — feature ID,
// title, parameters, columns, a paged row source, drill-downs — served by one
// API (GET /api/reports, GET /api/reports/{id}), one screen (web/js/reports.js)
// and one export path (POST /api/exports/{id}, the export job pipeline).
// Adding a report is one Definition and one line in the registry
// (shared/lambdafn/reportfn).
package report

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
)

// ParamKind says how a parameter is entered and checked.
type ParamKind string

const (
	Text   ParamKind = "text"   // free text, at most Max characters (limits.Text when 0)
	Year   ParamKind = "year"   // a western year (shown as ROC on screen)
	Date   ParamKind = "date"   // an ISO date yyyy-mm-dd (a Taipei day)
	Select ParamKind = "select" // one of Options
	Check  ParamKind = "check"  // "1" when ticked, "" when not
	Agency ParamKind = "agency" // an agency code in the caller's subtree (default: the active agency)
)

// Option is one choice of a Select parameter.
type Option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

// Param is one condition of a report's form.
type Param struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Kind     ParamKind `json:"kind"`
	Options  []Option  `json:"options,omitempty"`
	Default  string    `json:"default,omitempty"` // for Year: "current"; for Agency: the active agency
	Required bool      `json:"required,omitempty"`
	Max      int       `json:"max,omitempty"` // characters, for Text
}

// ColumnType says how a column's cells are shown and exported.
type ColumnType string

const (
	TextColumn   ColumnType = "text"
	NumberColumn ColumnType = "number" // counts and hours
	RateColumn   ColumnType = "rate"   // a percentage with one decimal; nil is shown 「—」
)

// Column is one column of a report's table.
type Column struct {
	Key  string     `json:"key"`
	Name string     `json:"name"`
	Type ColumnType `json:"type"`
}

// Cell is a value that opens the rows behind it (a drill-down).
type Cell struct {
	Value any    `json:"value"`
	Drill string `json:"drill"`
}

// Row is one row of a report: column key → a scalar, nil or a Cell.
type Row map[string]any

// Page is one page of a report's rows.
type Page struct {
	Rows  []Row
	Total Row // the scope's totals under the same keys, if the report has them
	// Next continues the list (opaque, at most limits.Cursor bytes); "" at the end.
	Next string
	// ComputedAt is when precomputed numbers were computed (「統計時間」).
	ComputedAt *time.Time
}

// Query is a checked request for rows.
type Query struct {
	// Params holds every declared parameter, defaults filled, values checked.
	Params map[string]string
	// Agency is the agency the report is for (the Agency parameter, or the
	// caller's active agency); Agencies are the agencies in scope: Agency
	// alone, or with every agency below it when scope=subtree, in tree order.
	Agency   agency.Agency
	Agencies []agency.Agency
	Cursor   string
	Limit    int
	Now      time.Time
	// Export is set when the rows go into an export file (a password ZIP).
	Export bool
	// WholeIDs is set for an export a personnel officer asked for of a
	// definition with WholeIDs (P1): only there are national IDs whole.
	WholeIDs bool
}

// NationalID is how a row shows a national ID: whole only in an export
// that may carry whole IDs (q.WholeIDs), masked everywhere else (screens,
// statistics accounts, every other export).
func (q Query) NationalID(id string) string {
	if q.WholeIDs {
		return id
	}
	return nid.Mask(id)
}

// WholeIDsParam is the job parameter Plan adds when the requester may
// receive whole national IDs; a request's own parameters never carry it
// (check keeps declared parameters only).
const WholeIDsParam = "_wholeIds"

// AgencyNames maps the code of each agency in scope to its name.
func (q Query) AgencyNames() map[string]string {
	m := make(map[string]string, len(q.Agencies))
	for _, a := range q.Agencies {
		m[a.Code] = a.Name
	}
	return m
}

// Definition is one report.
type Definition struct {
	ID      string // "P5", "P5-courses": also the export kind
	Feature string // the grant it needs (a drill-down needs its parent's)
	// ListedBy are further features whose holders may list its export jobs
	// (P2 下載申請進度查詢 lists P1's).
	ListedBy []string
	Name     string
	Group    string
	// Drill marks a list opened from a cell of another report, not a menu entry.
	Drill bool
	// Scoped reports take the standard agency + scope (本機關 / 含所屬機關) parameters.
	Scoped bool
	// WholeIDs: an export of it requested by an officer (the personnel
	// officers of the people's agencies: P1's scope) carries whole national
	// IDs; statistics accounts and every other report get them masked.
	WholeIDs bool
	Params   []Param
	Columns  []Column
	// Check validates what the declared kinds cannot (a range within one year …);
	// it returns errcode field errors.
	Check func(params map[string]string) error
	// Rows answers one page. It must honour q.Cursor and q.Limit and read
	// only what q.Agencies allows.
	Rows func(ctx context.Context, q Query) (Page, error)
	// Deliver, if set, is called once an export's file is stored and its
	// job recorded done, with the KeyField values of every row the file
	// holds (P1 marks the records it delivered); never for a failed job.
	// It must be idempotent for a job.
	Deliver func(ctx context.Context, job string, keys []any) error
}

// KeyField is a row's hidden key for Deliver; it is never sent to the screen
// or written to a file.
const KeyField = "_key"

// Standard parameter keys.
const (
	AgencyKey = "agency"
	ScopeKey  = "scope"
	Self      = "self"
	Subtree   = "subtree"
	// AllAgencies is the agency list's 「全部機關」: the caller's active
	// agency and every agency below it (Prepare sets both parameters).
	AllAgencies = "all"
)

// AllParams returns the definition's parameters with the standard ones of a
// scoped report first.
func (d Definition) AllParams() []Param {
	if !d.Scoped {
		return d.Params
	}
	out := []Param{
		{Key: AgencyKey, Label: "機關", Kind: Agency},
		{Key: ScopeKey, Label: "範圍", Kind: Select, Default: Self,
			Options: []Option{{Self, "本機關"}, {Subtree, "含所屬機關"}}},
	}
	return append(out, d.Params...)
}

// DrillURL is the URL of the list behind a cell: report id with params.
func DrillURL(id string, params map[string]string) string {
	v := url.Values{}
	for k, p := range params {
		if p != "" {
			v.Set(k, p)
		}
	}
	return "/api/reports/" + id + "?" + v.Encode()
}

// Rate is count / n as a percentage with one decimal, or nil when n is 0
// (shown 「—」, never 0 % or an error).
func Rate(count, n int) any {
	if n == 0 {
		return nil
	}
	return float64(int64(float64(count)*1000/float64(n)+0.5)) / 10
}

// Average is total / n with one decimal, or nil when n is 0.
func Average(total, n int) any {
	if n == 0 {
		return nil
	}
	return float64(int64(float64(total)*10/float64(n)+0.5)) / 10
}

// ScopeCursor reads the cursor of a list that pages agency by agency
// through the scope: "<index of the agency in Agencies>|<that agency's own
// cursor>". n is the number of agencies in scope.
func ScopeCursor(cursor string, n int) (agency int, after string, err error) {
	if cursor == "" {
		return 0, "", nil
	}
	i, after, ok := strings.Cut(cursor, "|")
	k, err := strconv.Atoi(i)
	if !ok || err != nil || k < 0 || k >= n {
		return 0, "", errcode.Field("next", "分頁參數不正確，請重新查詢。")
	}
	return k, after, nil
}

// ScopeNext is the cursor that continues at agency k after its own cursor.
func ScopeNext(k int, after string) string { return strconv.Itoa(k) + "|" + after }
