// Package summary keeps one learning summary per person and year (issue 16):
// the counted records' hours in total, digital and physical, and by the
// record's own course category, with the person's agency, unit, personnel
// category, rank, title and gender from the staff directory when it was
// computed. The personnel reports (P5, P7, P12, P13, R4) read these instead
// of every record. Definitions: STATISTICS.md (counted record, hours).
//
// A summary is never incremented: the writers of records write records
// only, and Stream (SummaryFunction, on the Records table's stream)
// recomputes the summaries of the person-years a batch of changes touched
// from their records, so a replayed write or batch cannot count twice; the
// nightly Repair recomputes them all from a scan and fixes any drift.
package summary

import (
	"sort"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Summary is one person's learning in one year. A missing summary means 0
// hours; so does a zeroed one (Records == 0), which stays after the last
// record of a person-year is deleted (see Repo.Recompute).
type Summary struct {
	PersonID          string         `dynamo:"personId" json:"personId"`
	Year              int            `dynamo:"year" json:"year"`
	Agency            string         `dynamo:"agency" json:"agency"`
	Unit              string         `dynamo:"unit" json:"unit"`
	PersonnelCategory string         `dynamo:"personnelCategory" json:"personnelCategory"` // staff.Person.Category
	Rank              string         `dynamo:"rank" json:"rank"`
	Title             string         `dynamo:"title" json:"title"`
	Gender            int            `dynamo:"gender" json:"gender"`     // as staff.Person: 1 male, 2 female, 0 not in the directory
	InDirectory       bool           `dynamo:"inDir" json:"inDirectory"` // false: profile fields empty, agency from the records
	Records           int            `dynamo:"records" json:"records"`   // counted records
	TotalHours        int            `dynamo:"totalHours" json:"totalHours"`
	DigitalHours      int            `dynamo:"digitalHours" json:"digitalHours"`
	PhysicalHours     int            `dynamo:"physicalHours" json:"physicalHours"`
	Categories        map[string]int `dynamo:"categories" json:"categories"` // hours by the record's own category code; ancestors: WithAncestors
	Computed          time.Time      `dynamo:"computed" json:"computed"`
}

// Compute is the summary of a person's records of a year. p is the person's
// directory entry, nil when the person is not in the directory: the agency
// is then that of the latest record (by end date), the rest empty.
func Compute(personID string, year int, recs []records.Record, p *staff.Person, now time.Time) Summary {
	s := Summary{PersonID: personID, Year: year, Categories: map[string]int{}, Computed: now.UTC()}
	for _, r := range recs {
		if !records.Counted(r) {
			continue
		}
		d, ph := records.Split(r)
		s.Records++
		s.TotalHours += r.Hours
		s.DigitalHours += d
		s.PhysicalHours += ph
		if r.Hours != 0 {
			s.Categories[r.Category] += r.Hours
		}
	}
	if p != nil {
		s.InDirectory = true
		s.Agency, s.Unit, s.PersonnelCategory, s.Rank, s.Title, s.Gender = p.Agency, p.Unit, p.Category, p.Rank, p.Title, p.Gender
		return s
	}
	if len(recs) > 0 {
		latest := append([]records.Record(nil), recs...)
		sort.Slice(latest, func(i, j int) bool {
			if latest[i].End != latest[j].End {
				return latest[i].End > latest[j].End
			}
			return latest[i].ID > latest[j].ID
		})
		s.Agency = latest[0].Agency
	}
	return s
}

// Same reports whether two summaries say the same (everything but Computed).
func Same(a, b Summary) bool {
	if a.PersonID != b.PersonID || a.Year != b.Year || a.Agency != b.Agency || a.Unit != b.Unit ||
		a.PersonnelCategory != b.PersonnelCategory || a.Rank != b.Rank || a.Title != b.Title || a.Gender != b.Gender ||
		a.InDirectory != b.InDirectory || a.Records != b.Records || a.TotalHours != b.TotalHours ||
		a.DigitalHours != b.DigitalHours || a.PhysicalHours != b.PhysicalHours {
		return false
	}
	n := 0
	for k, v := range a.Categories {
		if v == 0 {
			continue
		}
		n++
		if b.Categories[k] != v {
			return false
		}
	}
	for _, v := range b.Categories {
		if v != 0 {
			n--
		}
	}
	return n == 0
}

// Tree is the parent of each category code of a category table, built once
// for many summaries (it reads the table's entries only, so a cached table
// shared by concurrent requests is never written).
type Tree struct{ parent map[string]string }

// NewTree reads the parents of a category table.
func NewTree(table *codes.Table) Tree {
	t := Tree{parent: make(map[string]string, len(table.Entries))}
	for _, e := range table.Entries {
		t.parent[e.Code] = e.Parent
	}
	return t
}

// ancestors calls f with each ancestor of code, nearest first; a code the
// table does not know has none. The walk is bounded by the table's depth.
func (t Tree) ancestors(code string, f func(string) bool) {
	for range codes.MaxLevel + 1 {
		p := t.parent[code]
		if p == "" || !f(p) {
			return
		}
		code = p
	}
}

// HoursUnder is the hours of cats (by own category) that count under code:
// those of code itself and of every category below it. Each own-category
// hour counts once, however deep code is.
func (t Tree) HoursUnder(cats map[string]int, code string) int {
	total := 0
	for own, h := range cats {
		if own == code {
			total += h
			continue
		}
		t.ancestors(own, func(a string) bool {
			if a == code {
				total += h
				return false
			}
			return true
		})
	}
	return total
}

// WithAncestors rolls own-category hours up the tree: each code's hours,
// plus those of every category below it. A code the table does not know
// counts under itself only.
func (t Tree) WithAncestors(cats map[string]int) map[string]int {
	out := make(map[string]int, len(cats)*3)
	for own, h := range cats {
		out[own] += h
		t.ancestors(own, func(a string) bool { out[a] += h; return true })
	}
	return out
}

// HoursUnder is Tree.HoursUnder for one summary (build a Tree for many).
func HoursUnder(cats map[string]int, table *codes.Table, code string) int {
	return NewTree(table).HoursUnder(cats, code)
}

// WithAncestors is Tree.WithAncestors for one summary (build a Tree for many).
func WithAncestors(cats map[string]int, table *codes.Table) map[string]int {
	return NewTree(table).WithAncestors(cats)
}
