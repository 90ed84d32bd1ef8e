// Package personnel holds the personnel unit's queries over its staff (人事單位:
// P5 同仁學習狀況明細, P7 同仁學習類別時數一覽, P12 同仁登錄會員明細, P13 同仁登錄會員
// 統計, R4 多條件複選產製報表), each a report.Definition. Queries over people read
// the staff directory a page at a time and the people's learning summaries
// (one item per person and year), never every record; a person's course
// detail reads that person's records of the year.
package personnel

import (
	"context"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Hours is what a learning summary says of one person in one year (counted
// records only, STATISTICS.md).
type Hours struct {
	Records                  int
	Total, Digital, Physical int
	Categories               map[string]int // hours by each record's own category code
}

// HoursReader reads the learning summaries of people in a year; a person
// without one has no counted hours (absent from the map).
type HoursReader interface {
	YearHours(ctx context.Context, year int, people []string) (map[string]Hours, error)
}

// People reads the staff directory.
type People interface {
	Page(ctx context.Context, agency string, f staff.Filter, after string, limit int) ([]staff.Person, string, error)
	Count(ctx context.Context, agency string) (staff, members int, err error)
	GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error)
	ByNationalIDs(ctx context.Context, nids []string) (map[string]staff.Ref, error)
}

// Records reads a person's records.
type Records interface {
	OfPerson(ctx context.Context, personID string, year int) ([]records.Record, error)
}

// Codes reads code tables (category names).
type Codes interface {
	Get(ctx context.Context, name string) (*codes.Table, error)
}

// Reports are the personnel definitions, wired to their stores.
type Reports struct {
	People  People
	Hours   HoursReader
	Records Records
	Scores  AgencyRecords
	Codes   Codes
	Now     func() time.Time
}

// Definitions returns every report of this package (a zero Reports lists
// them for route tables; its rows must not be read).
func (s Reports) Definitions() []report.Definition {
	return []report.Definition{s.p1(), s.p5(), s.p6(), s.p5Courses(), s.p5Details(), s.p7(), s.p7Units(), s.p12(), s.p13(),
		s.memberList("P13-people", "P13", "同仁登錄會員統計：人員明細", true), s.r4(), s.r4Courses()}
}

// personParams are the person conditions P5, P5 明細, P7 and P12 share.
var personParams = []report.Param{
	{Key: "unit", Label: "單位", Kind: report.Text, Max: 50},
	{Key: "name", Label: "姓名", Kind: report.Text, Max: 50},
	{Key: "nationalId", Label: "身分證字號", Kind: report.Text, Max: 10},
	{Key: "personnelCategory", Label: "人員類別", Kind: report.Text, Max: 50},
}

func filterOf(p map[string]string) staff.Filter {
	return staff.Filter{Unit: p["unit"], Name: p["name"], NationalID: strings.ToUpper(p["nationalId"]),
		Category: p["personnelCategory"], Member: p["member"]}
}

// peoplePage reads up to limit people of the agencies in scope, in tree
// order, from the cursor; it answers them and the next cursor.
func (s Reports) peoplePage(ctx context.Context, q report.Query, f staff.Filter) ([]staff.Person, string, error) {
	first, from, err := report.ScopeCursor(q.Cursor, len(q.Agencies))
	if err != nil {
		return nil, "", err
	}
	var out []staff.Person
	for k := first; k < len(q.Agencies); k++ {
		after := ""
		if k == first {
			after = from
		}
		ppl, next, err := s.People.Page(ctx, q.Agencies[k].Code, f, after, q.Limit-len(out))
		if err != nil {
			return nil, "", err
		}
		out = append(out, ppl...)
		if next != "" {
			return out, report.ScopeNext(k, next), nil
		}
		if len(out) == q.Limit {
			if k+1 < len(q.Agencies) {
				return out, report.ScopeNext(k+1, ""), nil
			}
			return out, "", nil
		}
	}
	return out, "", nil
}

func ids(ppl []staff.Person) []string {
	out := make([]string, len(ppl))
	for i, p := range ppl {
		out[i] = p.ID
	}
	return out
}

// inScope reports whether agency code lies in the query's scope.
func inScope(q report.Query, code string) bool {
	for _, a := range q.Agencies {
		if a.Code == code {
			return true
		}
	}
	return false
}
