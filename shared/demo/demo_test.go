package demo

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

func TestGenerateIsDeterministicAndValid(t *testing.T) {
	o := Options{Seed: 42, Scale: 1, Now: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	a, b := Generate(o), Generate(o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different data")
	}
	if c := Generate(Options{Seed: 43, Scale: 1, Now: o.Now}); reflect.DeepEqual(a.People, c.People) {
		t.Fatal("another seed gave the same people")
	}
	if n := len(a.Agencies); n < 180 || n > 260 {
		t.Errorf("%d agencies, want about 200", n)
	}
	kinds := map[agency.Kind]int{}
	codes := map[string]bool{}
	for _, ag := range a.Agencies {
		kinds[ag.Kind]++
		if !agency.ValidCode(ag.Code) || codes[ag.Code] {
			t.Errorf("agency code %q invalid or repeated", ag.Code)
		}
		codes[ag.Code] = true
	}
	if kinds[agency.KindEnterprise] == 0 || kinds[agency.KindSchool] == 0 {
		t.Errorf("kinds %v: want agencies, schools and state-owned enterprises", kinds)
	}
	if len(a.People) != 5000 {
		t.Errorf("%d people", len(a.People))
	}
	ids := map[string]bool{}
	for _, p := range a.People {
		if !nid.Valid(p.NationalID) || ids[p.NationalID] || !codes[p.Agency] {
			t.Fatalf("person %+v: invalid or repeated national ID, or unknown agency", p)
		}
		ids[p.NationalID] = true
	}
	for _, u := range a.Users {
		if !codes[u.Agency] {
			t.Errorf("demo user %s in unknown agency %s", u.ID, u.Agency)
		}
	}
	// 經濟部's enterprises (P11) have staff who learn, and a personnel
	// officer and a statistics account of 經濟部 reach them
	byCode := map[string]agency.Agency{}
	for _, ag := range a.Agencies {
		byCode[ag.Code] = ag
	}
	for _, code := range []string{MOEAPower, MOEAOil} {
		if e := byCode[code]; e.Kind != agency.KindEnterprise || e.Parent != MOEA {
			t.Errorf("%s: %+v, want an enterprise under 經濟部", code, e)
		}
		staffOf, learned := map[string]bool{}, 0
		for _, p := range a.People {
			if p.Agency == code {
				staffOf[p.ID] = true
			}
		}
		for _, r := range a.Records {
			if staffOf[r.PersonID] && r.Agency == code {
				learned++
			}
		}
		if len(staffOf) < enterpriseStaff || learned == 0 {
			t.Errorf("enterprise %s: %d staff, %d records", code, len(staffOf), learned)
		}
	}
	moea := map[string]bool{}
	for _, u := range a.Users {
		moea[u.ID] = u.Agency == MOEA && slices.Contains(u.Grants[MOEA], "P11")
	}
	for _, s := range a.Stats {
		moea[s.Username] = s.Agency == MOEA
	}
	if !moea["moea.hr"] || !moea["stats.moea"] {
		t.Errorf("no demo sign-in of 經濟部 with P11: %v", moea)
	}
	if len(a.Classes) != 400 || len(a.Enrollments) == 0 || len(a.Records) == 0 {
		t.Errorf("classes %d enrollments %d records %d", len(a.Classes), len(a.Enrollments), len(a.Records))
	}
}

func TestScale(t *testing.T) {
	d := Generate(Options{Seed: 1, Scale: 3, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if len(d.People) != 15000 || len(d.Classes) != 1200 {
		t.Fatalf("scale 3: %d people, %d classes", len(d.People), len(d.Classes))
	}
}

// shape is what the data is apart from its calendar: every date as days
// from "today". The same seed must give the same shape on any day.
type shape struct {
	Classes     []string
	Enrollments []string
	Records     []string
}

func shapeOf(t *testing.T, d Data, now time.Time) shape {
	t.Helper()
	today := roc.Day(now)
	rel := func(iso string) int {
		if iso == "" {
			return -99999
		}
		d, err := time.Parse(time.DateOnly, iso)
		if err != nil {
			t.Fatalf("date %q: %v", iso, err)
		}
		return int(d.Sub(today).Hours() / 24)
	}
	var s shape
	for _, c := range d.Classes {
		s.Classes = append(s.Classes, fmt.Sprintf("%s/%s %s %s %s %s %s start%+d end%+d enroll%+d..%+d h%d cap%d enrolled%d %s",
			c.CourseCode, c.Session, c.Name, c.Agency, c.Category, c.Nature, c.Method, rel(c.Start), rel(c.End),
			rel(c.EnrollStart), rel(c.EnrollEnd), c.Hours, c.Capacity, c.Enrolled, c.Location))
	}
	for _, e := range d.Enrollments {
		s.Enrollments = append(s.Enrollments, fmt.Sprintf("%s/%s %s %s %s %s at%+.0fh", e.CourseCode, e.Session, e.PersonID,
			e.Agency, e.Status, e.Reason, e.At.Sub(today).Hours()))
	}
	for _, r := range d.Records {
		s.Records = append(s.Records, fmt.Sprintf("%s %s %s %s start%+d end%+d h%d %v %s", r.PersonID, r.ID, r.Agency, r.Source,
			rel(r.Start), rel(r.End), r.Hours, r.Passed != nil && *r.Passed, r.Status))
	}
	return s
}

// The same seed gives the same data on any day and at any hour, only moved in
// the calendar; "today" and "yesterday" are Taipei days (at 23:30 UTC it is
// already tomorrow in Taipei).
func TestGenerateIsTheSameOnEveryDay(t *testing.T) {
	taipei := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, roc.Taipei)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	clocks := []time.Time{
		taipei("2026-03-01 10:00"), taipei("2026-09-01 10:00"), taipei("2026-12-10 00:30"), taipei("2026-12-10 23:30"),
		taipei("2026-12-30 23:30"), taipei("2026-12-31 23:30"), taipei("2027-01-01 00:30"),
		time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC), // the hour at which the old generator and the tests disagreed
	}
	var first shape
	for i, now := range clocks {
		d := Generate(Options{Seed: 7, People: 300, Classes: 40, Now: now})
		s := shapeOf(t, d, now)
		if i == 0 {
			first = s
		} else {
			for _, part := range []struct {
				name string
				a, b []string
			}{{"classes", first.Classes, s.Classes}, {"enrollments", first.Enrollments, s.Enrollments}, {"records", first.Records, s.Records}} {
				if len(part.a) != len(part.b) {
					t.Fatalf("%s: %d %s, %s: %d", clocks[0], len(part.a), part.name, now, len(part.b))
				}
				for k := range part.a {
					if part.a[k] != part.b[k] {
						t.Fatalf("%s #%d differs between %s and %s:\n%s\n%s", part.name, k, clocks[0], now, part.a[k], part.b[k])
					}
				}
			}
		}
		// What the tests and the demo rely on, on every day: classes that
		// ended yesterday (Taipei), one of them MOI's with approved enrollees.
		yesterday := roc.Yesterday(now)
		moi := 0
		for _, c := range d.Classes {
			if c.End != yesterday || c.Agency != MOI {
				continue
			}
			for _, e := range d.Enrollments {
				if e.CourseCode == c.CourseCode && e.Session == c.Session && e.Status == "approved" {
					moi++
				}
			}
		}
		if moi < 3 {
			t.Errorf("%s: %d approved enrollees of MOI classes that ended on %s, want at least 3", now, moi, yesterday)
		}
	}
}
