package statistics

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
)

// Figures are the counts every statistics page of a year is drawn from, for
// one agency's own staff (本機關) or summed over a subtree (含所屬機關). Every
// field is a count or a sum of hours, so the figures of a subtree are the sum
// of those of its agencies; rates and averages are computed from them when a
// page is drawn, never stored or summed.
type Figures struct {
	People       Counts                             `json:"n"`           // P10 / P11
	Requirements map[string]*Done                   `json:"q,omitempty"` // P8, by requirement id
	Personnel    map[string]map[string]*GroupCounts `json:"p,omitempty"` // P9, personnel category → major group
	Categories   map[string]*CategoryCounts         `json:"c,omitempty"` // P10-categories, by top-level course category
	Decision     map[string]map[string]*Genders     `json:"d,omitempty"` // R3, agency level → decision-making category
	// R2: the classes the agency organised that ended in the year, by their
	// own course category, then by rank group ("" every rank, 簡任, 薦任,
	// 委任): R2 sums those under the chosen category code over its scope.
	Execution map[string]map[string]*Execution `json:"x,omitempty"`
	// R1 (本機關 items only, never summed into a subtree's: a subtree's
	// would list every class of its agencies): the classes the agency
	// organised that started in the year, counted by start day, nature,
	// enrollment method, own category and cancellation (openingKey).
	Openings map[string]int `json:"o,omitempty"`
}

// Execution are R2's figures of a set of classes: the classes, their
// enrollments holding a seat (pending or approved), the approved ones, the counted records and their
// certified hours (of the rank group's people, for a rank group).
type Execution struct {
	Classes   int `json:"k"`
	Enrolled  int `json:"e"`
	Approved  int `json:"a"`
	Completed int `json:"c"`
	Hours     int `json:"h"`
}

// Add adds g's counts to e.
func (e *Execution) Add(g Execution) {
	e.Classes += g.Classes
	e.Enrolled += g.Enrolled
	e.Approved += g.Approved
	e.Completed += g.Completed
	e.Hours += g.Hours
}

// Counts are P10's people figures.
type Counts struct {
	Staff        int `json:"s"`
	Participants int `json:"p"`
	Reached      int `json:"r"`
	Total        int `json:"t"`
	Digital      int `json:"d"`
	Physical     int `json:"h"`
}

// Done is P8's figures of one requirement: people it applies to, and those
// who completed it.
type Done struct {
	Staff     int `json:"s"`
	Completed int `json:"c"`
}

// GroupCounts are P9's figures of a personnel category in a major group.
type GroupCounts struct {
	Staff        int `json:"s"`
	Participants int `json:"p"`
	Hours        int `json:"h"`
}

// CategoryCounts are the participants of a course category and their hours.
type CategoryCounts struct {
	Participants int `json:"p"`
	Hours        int `json:"h"`
}

// Genders are R3's participants by gender.
type Genders struct {
	Men   int `json:"m"`
	Women int `json:"w"`
}

// calc holds what computing figures needs of the tables of a year.
type calc struct {
	year     int
	tables   *requirement.Tables
	cats     *codes.Table
	groups   map[string]string
	tops     []string // top-level course categories, and records.Study (進修)
	majors   []string // P9's major groups, and 進修
	decision []string // decision-making categories
}

func newCalc(t *requirement.Tables, cats *codes.Table, year int) calc {
	c := calc{year: year, tables: t, cats: cats, groups: groupMap(t)}
	for _, e := range cats.Entries {
		if e.Parent == "" {
			c.tops = append(c.tops, e.Code)
		}
	}
	c.tops = append(c.tops, records.Study)
	c.majors = groupNames(t)
	c.decision, _ = decisionCategories(t, "")
	return c
}

// own is the figures of an agency's own staff.
func (c calc) own(a agency.Agency, ms []member) *Figures {
	f := &Figures{}
	reqs := c.tables.Of(c.year)
	d := data{tables: c.tables, cats: c.cats}
	level := strconv.Itoa(a.Level)
	for _, m := range ms {
		f.People.Staff++
		f.People.Total += m.Total
		f.People.Digital += m.Digital
		f.People.Physical += m.Physical
		if m.Total > 0 {
			f.People.Participants++
		}
		if d.reaches(reqs, m) {
			f.People.Reached++
		}
		for _, r := range reqs {
			if !r.AppliesTo(m.Category) {
				continue
			}
			dn := at(&f.Requirements, r.ID)
			dn.Staff++
			if d.completes(reqs, m, r) {
				dn.Completed++
			}
		}
		gh := groupHours(c.cats, c.groups, m)
		pc := personnelCategory(m)
		for _, g := range c.majors {
			gc := at(at2(&f.Personnel, pc), g)
			gc.Staff++
			if gh[g] > 0 {
				gc.Participants++
				gc.Hours += gh[g]
			}
		}
		for _, top := range c.tops {
			if x := hoursIn(c.cats, m, []string{top}); x > 0 {
				cc := at(&f.Categories, top)
				cc.Participants++
				cc.Hours += x
			}
		}
		for _, dc := range c.decision {
			if hoursIn(c.cats, m, []string{dc}) == 0 {
				continue
			}
			switch m.Gender {
			case 1:
				at(at2(&f.Decision, level), dc).Men++
			case 2:
				at(at2(&f.Decision, level), dc).Women++
			}
		}
	}
	return f
}

// at is the entry k of *m, made when missing.
func at[V any](m *map[string]*V, k string) *V {
	if *m == nil {
		*m = map[string]*V{}
	}
	v := (*m)[k]
	if v == nil {
		v = new(V)
		(*m)[k] = v
	}
	return v
}

// at2 is the inner map k of *m, made when missing.
func at2[V any](m *map[string]map[string]*V, k string) *map[string]*V {
	if *m == nil {
		*m = map[string]map[string]*V{}
	}
	inner := (*m)[k]
	if inner == nil {
		inner = map[string]*V{}
		(*m)[k] = inner
	}
	// a map is a reference: the pointer to this local copy writes into (*m)[k]
	return &inner
}

// Add adds g's counts to c.
func (c *Counts) Add(g Counts) {
	c.Staff += g.Staff
	c.Participants += g.Participants
	c.Reached += g.Reached
	c.Total += g.Total
	c.Digital += g.Digital
	c.Physical += g.Physical
}

// Add adds g's counts to f (R1's openings excepted: OWN items only).
func (f *Figures) Add(g *Figures) {
	if g == nil {
		return
	}
	f.People.Add(g.People)
	for k, v := range g.Requirements {
		d := at(&f.Requirements, k)
		d.Staff += v.Staff
		d.Completed += v.Completed
	}
	for pc, gs := range g.Personnel {
		for grp, v := range gs {
			x := at(at2(&f.Personnel, pc), grp)
			x.Staff += v.Staff
			x.Participants += v.Participants
			x.Hours += v.Hours
		}
	}
	for k, v := range g.Categories {
		x := at(&f.Categories, k)
		x.Participants += v.Participants
		x.Hours += v.Hours
	}
	for l, cs := range g.Decision {
		for c, v := range cs {
			x := at(at2(&f.Decision, l), c)
			x.Men += v.Men
			x.Women += v.Women
		}
	}
	for c, gs := range g.Execution {
		for grp, v := range gs {
			at(at2(&f.Execution, c), grp).Add(*v)
		}
	}
}

// shape is the version of what Figures hold, part of every signature: a
// rollup stored by an older release is recomputed, never misread (2: the
// 進修 group and category, R1's cancelled classes, R2's enrolled without
// rejected or withdrawn and without cancelled classes).
const shape = 2

// signature identifies what figures of a year were computed under: the
// shape of Figures, the year's requirements, the major groups and the
// category tree. Figures stored under another signature are stale (a table
// was replaced, or the code changed what it stores, since).
func signature(t *requirement.Tables, cats *codes.Table, year int) string {
	type entry struct{ C, P string }
	es := make([]entry, len(cats.Entries))
	for i, e := range cats.Entries {
		es[i] = entry{e.Code, e.Parent}
	}
	b, _ := json.Marshal(struct {
		S int
		R any
		G any
		C []entry
	}{shape, t.Of(year), t.Groups, es})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:12])
}
