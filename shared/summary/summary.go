// Package summary keeps one learning summary per person and year (issue 16):
// the counted records' hours in total, digital and physical, and by the
// record's own course category, with the person's agency, unit, personnel
// category, rank, title and gender from the staff directory when it was
// computed. The personnel reports (P5, P7, P12, P13, R4) read these instead
// of every record. Definitions: STATISTICS.md (counted record, hours).
//
// A summary is never incremented: every write of records recomputes the
// summaries of the person-years it touched from their records (records.Repo
// calls Repo.Recompute), so a replayed write cannot count twice, and the
// nightly Repair recomputes them all from a scan and fixes any drift.
package summary

import (
	"sort"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
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

// Counted reports whether r counts (STATISTICS.md): final and passed. Records
// awaiting hours, pending review, failed, or deleted do not.
func Counted(r records.Record) bool {
	return r.Status == records.Final && r.Passed != nil && *r.Passed
}

// Split divides a record's hours into digital and physical. Digital and
// physical records count whole. A blended record counts its two parts; when
// they no longer add up to its hours (an organiser graded attended hours
// below the class's), the hours are split in the parts' proportion, digital
// rounded down, so digital + physical is always the record's hours. A record
// without a nature (class records transferred before records carried the
// class's nature) counts as physical.
func Split(r records.Record) (digital, physical int) {
	switch r.Nature {
	case catalog.Digital:
		return r.Hours, 0
	case catalog.Blended:
		d, p := r.DigitalHours, r.PhysicalHours
		if d+p == r.Hours {
			return d, p
		}
		if d+p <= 0 {
			return 0, r.Hours
		}
		d = r.Hours * d / (d + p)
		return d, r.Hours - d
	default:
		return 0, r.Hours
	}
}

// Compute is the summary of a person's records of a year. p is the person's
// directory entry, nil when the person is not in the directory: the agency
// is then that of the latest record (by end date), the rest empty.
func Compute(personID string, year int, recs []records.Record, p *staff.Person, now time.Time) Summary {
	s := Summary{PersonID: personID, Year: year, Categories: map[string]int{}, Computed: now.UTC()}
	for _, r := range recs {
		if !Counted(r) {
			continue
		}
		d, ph := Split(r)
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

// HoursUnder is the hours of cats (by own category) that count under code:
// those of code itself and of every category below it in the table. Each
// own-category hour counts once, however deep code is.
func HoursUnder(cats map[string]int, table *codes.Table, code string) int {
	total := 0
	for own, h := range cats {
		if own == code || IsUnder(table, own, code) {
			total += h
		}
	}
	return total
}

// IsUnder reports whether category code lies strictly below ancestor in the table.
func IsUnder(table *codes.Table, code, ancestor string) bool {
	for range codes.MaxLevel + 1 { // the table is at most MaxLevel deep; a bound, not a trust
		e, ok := table.Lookup(code)
		if !ok || e.Parent == "" {
			return false
		}
		if e.Parent == ancestor {
			return true
		}
		code = e.Parent
	}
	return false
}

// WithAncestors rolls own-category hours up the table: each code's hours,
// plus those of every category below it. A code the table does not know
// counts under itself only.
func WithAncestors(cats map[string]int, table *codes.Table) map[string]int {
	out := make(map[string]int, len(cats)*3)
	for own, h := range cats {
		out[own] += h
		code := own
		for range codes.MaxLevel + 1 {
			e, ok := table.Lookup(code)
			if !ok || e.Parent == "" {
				break
			}
			out[e.Parent] += h
			code = e.Parent
		}
	}
	return out
}
