package demo

import (
	"reflect"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
)

func TestGenerateIsDeterministicAndValid(t *testing.T) {
	o := Options{Seed: 42, Scale: 1, Today: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	a, b := Generate(o), Generate(o)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("the same seed gave different data")
	}
	if c := Generate(Options{Seed: 43, Scale: 1, Today: o.Today}); reflect.DeepEqual(a.People, c.People) {
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
	if len(a.Classes) != 400 || len(a.Enrollments) == 0 || len(a.Records) == 0 {
		t.Errorf("classes %d enrollments %d records %d", len(a.Classes), len(a.Enrollments), len(a.Records))
	}
}

func TestScale(t *testing.T) {
	d := Generate(Options{Seed: 1, Scale: 3, Today: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
	if len(d.People) != 15000 || len(d.Classes) != 1200 {
		t.Fatalf("scale 3: %d people, %d classes", len(d.People), len(d.Classes))
	}
}
