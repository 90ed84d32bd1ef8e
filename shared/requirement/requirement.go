// Package requirement holds the yearly learning requirements, the course
// category groups and the yearly gender-mainstreaming survey (P17) as data (STATISTICS.md, "Yearly requirements are data";
// issue 17): two CSV files (tables/requirements.csv, tables/category-groups.csv)
// loaded into the Directory table with the code tables (at every `make run`
// start and by `make deploy-codes`), so a new year's notice is a new file,
// not a code change. P8 reads the requirements, P10 the yearly minimum, P9
// the four major groups and R3 the decision-making flag.
package requirement

import (
	"context"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// File names of the two tables.
const (
	RequirementsFile = "requirements.csv"
	GroupsFile       = "category-groups.csv"
)

// Requirement is one requirement of one year: a person it applies to
// completes it when their hours under Categories reach Minimum.
type Requirement struct {
	Year int    `dynamo:"year" json:"year"`
	ID   string `dynamo:"id" json:"id"`
	Name string `dynamo:"name" json:"name"`
	// Categories are course category codes; a record counts when its own
	// category is one of them or lies below one (once, however many match).
	// Empty: every category (the yearly minimum of all hours).
	Categories []string `dynamo:"categories,set,omitempty" json:"categories,omitempty"`
	Minimum    int      `dynamo:"minimum" json:"minimum"`
	// PersonnelCategories are the 人員類別 it applies to; empty: everyone.
	PersonnelCategories []string `dynamo:"personnelCategories,set,omitempty" json:"personnelCategories,omitempty"`
	// PartOf is the id of the requirement of the same year this one is a
	// part of (empty: none): a requirement is completed only when each of
	// its parts that applies is (STATISTICS.md: 10 hours that leave a part
	// at 0 do not complete 必須完成課程).
	PartOf string `dynamo:"partOf,omitempty" json:"partOf,omitempty"`
}

// Parts are the requirements of reqs (one year's) that r is made of.
func (r Requirement) Parts(reqs []Requirement) []Requirement {
	var out []Requirement
	for _, p := range reqs {
		if p.PartOf == r.ID && p.Year == r.Year {
			out = append(out, p)
		}
	}
	return out
}

// AllCategories reports whether the requirement counts every hour.
func (r Requirement) AllCategories() bool { return len(r.Categories) == 0 }

// AppliesTo reports whether the requirement applies to a personnel category.
func (r Requirement) AppliesTo(personnelCategory string) bool {
	return len(r.PersonnelCategories) == 0 || slices.Contains(r.PersonnelCategories, personnelCategory)
}

// Group maps a course category (and every category below it, unless a
// nearer row says otherwise) to one of P9's major groups.
type Group struct {
	Category       string `dynamo:"category" json:"category"`
	Group          string `dynamo:"group" json:"group"`
	DecisionMaking bool   `dynamo:"decisionMaking" json:"decisionMaking"` // R3 參與決策評量表
}

// Tables are both tables as loaded.
type Tables struct {
	Requirements []Requirement `dynamo:"requirements" json:"requirements"`
	Groups       []Group       `dynamo:"groups" json:"groups"`
	Surveys      []Survey      `dynamo:"surveys" json:"surveys"`
	Loaded       time.Time     `dynamo:"loaded" json:"loaded"`
}

// Of returns the requirements of a year, in file order.
func (t *Tables) Of(year int) []Requirement {
	var out []Requirement
	for _, r := range t.Requirements {
		if r.Year == year {
			out = append(out, r)
		}
	}
	return out
}

// GroupNames are the major groups in file order, each once.
func (t *Tables) GroupNames() []string {
	var out []string
	for _, g := range t.Groups {
		if !slices.Contains(out, g.Group) {
			out = append(out, g.Group)
		}
	}
	return out
}

var idRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// rows reads a CSV with the given header; it answers the data rows.
func rows(file string, r io.Reader, header []string) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(header)
	all, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(all) < 2 {
		return nil, fmt.Errorf("%s: no rows", file)
	}
	for i, h := range header {
		if strings.TrimSpace(strings.TrimPrefix(all[0][i], "\ufeff")) != h {
			return nil, fmt.Errorf("%s line 1: column %d must be %q", file, i+1, h)
		}
	}
	for _, row := range all[1:] {
		for i := range row {
			row[i] = strings.TrimSpace(row[i])
		}
	}
	return all[1:], nil
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func known(cats *codes.Table, code string) bool {
	if cats == nil {
		return true
	}
	_, ok := cats.Lookup(code)
	return ok
}

//go:embed tables/*.csv
var defaults embed.FS

// Defaults are the tables in this repository (shared/requirement/tables).
func Defaults() fs.FS {
	sub, _ := fs.Sub(defaults, "tables")
	return sub
}

// ParseRequirements reads requirements.csv: year (western),id,name,
// categories (";"-separated codes of cats, empty for all),minimum hours,
// personnelCategories (";"-separated, empty for all),partOf (the id of the
// same year's requirement it is a part of, empty for none). cats may be nil
// (no code check).
func ParseRequirements(r io.Reader, cats *codes.Table) ([]Requirement, error) {
	data, err := rows(RequirementsFile, r, []string{"year", "id", "name", "categories", "minimum", "personnelCategories", "partOf"})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]Requirement, 0, len(data))
	for i, row := range data {
		line := i + 2
		fail := func(msg string, a ...any) error {
			return fmt.Errorf("%s line %d: %s", RequirementsFile, line, fmt.Sprintf(msg, a...))
		}
		y, err := strconv.Atoi(row[0])
		if err != nil || y < 1912 || y > 9999 {
			return nil, fail("year %q is not a western year", row[0])
		}
		if !idRe.MatchString(row[1]) {
			return nil, fail("id %q must be 1-32 lower-case letters, digits or -", row[1])
		}
		if seen[row[0]+"/"+row[1]] {
			return nil, fail("requirement %s twice in %d", row[1], y)
		}
		seen[row[0]+"/"+row[1]] = true
		if row[2] == "" {
			return nil, fail("needs a name")
		}
		min, err := strconv.Atoi(row[4])
		if err != nil || min < 0 || min > 10000 {
			return nil, fail("minimum %q is not a number of hours", row[4])
		}
		req := Requirement{Year: y, ID: row[1], Name: row[2], Categories: list(row[3]), Minimum: min,
			PersonnelCategories: list(row[5]), PartOf: row[6]}
		for _, c := range req.Categories {
			if !known(cats, c) {
				return nil, fail("category %s is not in the category table", c)
			}
		}
		out = append(out, req)
	}
	return out, checkParts(out)
}

// checkParts: each partOf names a requirement of its year, and no
// requirement is (through its parts) a part of itself.
func checkParts(reqs []Requirement) error {
	byID := map[string]Requirement{}
	for _, r := range reqs {
		byID[strconv.Itoa(r.Year)+"/"+r.ID] = r
	}
	for _, r := range reqs {
		at := r
		for range len(reqs) + 1 {
			if at.PartOf == "" {
				break
			}
			whole, ok := byID[strconv.Itoa(at.Year)+"/"+at.PartOf]
			if !ok {
				return fmt.Errorf("%s: requirement %s of %d is part of %s, not a requirement of that year", RequirementsFile, at.ID, at.Year, at.PartOf)
			}
			if whole.ID == r.ID {
				return fmt.Errorf("%s: requirement %s of %d is a part of itself", RequirementsFile, r.ID, r.Year)
			}
			at = whole
		}
	}
	return nil
}

// ParseGroups reads category-groups.csv: category code,group name,
// decisionMaking ("1" or empty).
func ParseGroups(r io.Reader, cats *codes.Table) ([]Group, error) {
	data, err := rows(GroupsFile, r, []string{"category", "group", "decisionMaking"})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]Group, 0, len(data))
	for i, row := range data {
		line := i + 2
		if row[0] == "" || row[1] == "" {
			return nil, fmt.Errorf("%s line %d: needs a category and a group", GroupsFile, line)
		}
		if !known(cats, row[0]) {
			return nil, fmt.Errorf("%s line %d: category %s is not in the category table", GroupsFile, line, row[0])
		}
		if seen[row[0]] {
			return nil, fmt.Errorf("%s line %d: category %s twice", GroupsFile, line, row[0])
		}
		seen[row[0]] = true
		if row[2] != "" && row[2] != "1" {
			return nil, fmt.Errorf("%s line %d: decisionMaking must be 1 or empty", GroupsFile, line)
		}
		out = append(out, Group{Category: row[0], Group: row[1], DecisionMaking: row[2] == "1"})
	}
	return out, nil
}

// Parse reads both tables from fsys, checking category codes against cats
// (nil: no check).
func Parse(fsys fs.FS, cats *codes.Table) (*Tables, error) {
	t := &Tables{}
	f, err := fsys.Open(RequirementsFile)
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	t.Requirements, err = ParseRequirements(f, cats)
	f.Close()
	if err != nil {
		return nil, err
	}
	if f, err = fsys.Open(GroupsFile); err != nil {
		return nil, fmt.Errorf("category groups: %w", err)
	}
	t.Groups, err = ParseGroups(f, cats)
	f.Close()
	if err != nil {
		return nil, err
	}
	if f, err = fsys.Open(SurveysFile); err != nil {
		return nil, fmt.Errorf("gender survey: %w", err)
	}
	t.Surveys, err = ParseSurveys(f, cats)
	f.Close()
	if err != nil {
		return nil, err
	}
	return t, nil
}

type item struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Tables
}

const pk, sk = "REQUIREMENTS", "current"

// Load parses both tables from fsys and stores them as one item: a bad
// file changes nothing, and readers never see one table without the other.
func Load(ctx context.Context, dir dynamo.Table, fsys fs.FS, cats *codes.Table, now time.Time) error {
	t, err := Parse(fsys, cats)
	if err != nil {
		return err
	}
	t.Loaded = now.UTC()
	return Store(ctx, dir, *t)
}

// Store writes tables as the current ones (Load, and tests that need
// tables of their own).
func Store(ctx context.Context, dir dynamo.Table, t Tables) error {
	if err := dir.Put(item{PK: pk, SK: sk, Tables: t}).Run(ctx); err != nil {
		return fmt.Errorf("store requirements: %w", err)
	}
	return nil
}

// Repo reads the tables, keeping them for TTL.
type Repo struct {
	Table dynamo.Table
	TTL   time.Duration
	mu    sync.Mutex
	t     *Tables
	at    time.Time
}

// Get returns the current tables.
func (r *Repo) Get(ctx context.Context) (*Tables, error) {
	r.mu.Lock()
	t, at := r.t, r.at
	r.mu.Unlock()
	if t != nil && time.Since(at) < r.TTL {
		return t, nil
	}
	var it item
	err := r.Table.Get("pk", pk).Range("sk", dynamo.Equal, sk).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return nil, errcode.Wrap(errcode.Unavailable, "年度學習規定表尚未載入，請聯絡系統管理者。",
			errors.New("requirements: not loaded"))
	}
	if err != nil {
		return nil, fmt.Errorf("requirements: %w", err)
	}
	r.mu.Lock()
	r.t, r.at = &it.Tables, time.Now()
	r.mu.Unlock()
	return &it.Tables, nil
}
