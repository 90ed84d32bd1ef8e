// Package roster is a class's list of enrollees with their basic data
// (name, agency and its level, unit, title), sorted as officers expect: the
// L5 approval list, the roster download (package rosterexport) and the
// sign-in sheets read the same rows.
package roster

import (
	"context"
	"sort"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Row is one enrollee with what the lists show.
type Row struct {
	catalog.Enrollment
	Person staff.Person
	Agency agency.Agency
}

// Loader reads enrollees with their people and agencies.
type Loader struct {
	Classes  catalog.Repo
	People   staff.Repo
	Agencies agency.Repo
}

// Load returns a class's enrollees in a status ("" for all), sorted by keys.
func (s Loader) Load(ctx context.Context, class catalog.Class, status string, keys ...string) ([]Row, error) {
	enr, err := s.Classes.Enrollees(ctx, class, status)
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
	Sort(rows, keys...)
	return rows, nil
}

// SortKeys are the orders a list can be sorted by, with their zh-TW names.
var SortKeys = map[string]string{
	"name":   "姓名（筆畫）",
	"agency": "服務機關（層級）",
	"order":  "報名順序",
	"unit":   "單位",
	"title":  "職稱",
}

// stroke compares names in Traditional Chinese stroke order, as officers expect.
var stroke = collate.New(language.MustParse("zh-Hant-u-co-stroke"))

func compare(a, b Row, key string) int {
	switch key {
	case "agency": // level, then the agency: its people together
		if a.Agency.Level != b.Agency.Level {
			return a.Agency.Level - b.Agency.Level
		}
		return strings.Compare(a.Agency.Code, b.Agency.Code)
	case "order":
		return a.At.Compare(b.At)
	case "unit":
		return stroke.CompareString(a.Person.Unit, b.Person.Unit)
	case "title":
		return stroke.CompareString(a.Person.Title, b.Person.Title)
	default: // name
		return stroke.CompareString(a.Person.Name, b.Person.Name)
	}
}

// Sort orders rows by the keys in turn (e.g. "agency", "name"); "agency"
// alone sorts by name within each agency; ties end by person id, so the
// order is stable from one request to the next.
func Sort(rows []Row, keys ...string) {
	if len(keys) == 0 {
		keys = []string{"name"}
	}
	if len(keys) == 1 && keys[0] == "agency" {
		keys = append(keys, "name")
	}
	sort.SliceStable(rows, func(i, j int) bool {
		for _, k := range keys {
			if c := compare(rows[i], rows[j], k); c != 0 {
				return c < 0
			}
		}
		return rows[i].PersonID < rows[j].PersonID
	})
}
