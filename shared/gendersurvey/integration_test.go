package gendersurvey_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/gendersurvey"
	"github.com/ecpa-lifelong/backoffice/shared/records"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// TestGenderSurvey: the form of a required agency is pre-filled with the
// counts computed in the test from the demo (gender, ≥ 1 hour under 132),
// saves over the version read, refuses a stale save, is read-only after the
// deadline, and an agency not required shows 不須填報.
func TestGenderSurvey(t *testing.T) {
	at := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 60, At: at})
	tbl, _ := codes.Default(codes.Categories)
	parent := map[string]string{}
	for _, e := range tbl.Entries {
		parent[e.Code] = e.Parent
	}
	under := func(c string) bool {
		for ; c != ""; c = parent[c] {
			if c == "132" {
				return true
			}
		}
		return false
	}
	hours := map[string]int{}
	for _, r := range env.Data.Records {
		if r.Status == records.Final && r.Passed != nil && *r.Passed && strings.HasPrefix(r.End, "2026-") && under(r.Category) {
			hours[r.PersonID] += r.Hours
		}
	}
	var want gendersurvey.Counts
	for _, p := range env.Data.People {
		if p.Agency != demo.MOI {
			continue
		}
		h := hours[p.ID]
		if p.Gender == 1 {
			want.MenStaff++
			if h >= 1 {
				want.MenTrained, want.MenHours = want.MenTrained+1, want.MenHours+h
			}
		} else {
			want.WomenStaff++
			if h >= 1 {
				want.WomenTrained, want.WomenHours = want.WomenTrained+1, want.WomenHours+h
			}
		}
	}
	var f gendersurvey.Form
	env.As(t, "moi.hr", "GET", "/api/gender-survey?year=2026", nil).JSON(t, &f)
	if !f.Required || !f.Editable || f.Computed != want || f.Values != nil {
		t.Fatalf("MOI 2026: %+v, want computed %+v", f, want)
	}
	// save, then a stale save is refused
	vals := want
	vals.MenTrained = min(vals.MenTrained+1, vals.MenStaff)
	r := env.As(t, "moi.hr", "PUT", "/api/gender-survey", map[string]any{"year": 2026, "values": vals, "note": "含外訓"})
	if r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	var saved gendersurvey.Form
	r.JSON(t, &saved)
	if saved.Values == nil || *saved.Values != vals {
		t.Fatalf("saved %+v", saved)
	}
	if r := env.As(t, "moi.hr", "PUT", "/api/gender-survey", map[string]any{"year": 2026, "values": vals}); r.Status != 409 {
		t.Errorf("a second first-save: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "moi.hr", "PUT", "/api/gender-survey", map[string]any{"year": 2026, "values": vals, "updated": saved.Updated}); r.Status != 200 {
		t.Errorf("a save over the version read: %d %s", r.Status, r.Body)
	}
	bad := vals
	bad.WomenTrained = bad.WomenStaff + 1
	if r := env.As(t, "moi.hr", "PUT", "/api/gender-survey", map[string]any{"year": 2026, "values": bad}); r.Status != 400 || !strings.Contains(string(r.Body), "womenTrained") {
		t.Errorf("more trained than staff: %d %s", r.Status, r.Body)
	}
	// last year: past its deadline (2026-01-31), read-only
	env.As(t, "moi.hr", "GET", "/api/gender-survey?year=2025", nil).JSON(t, &f)
	if !f.Required || f.Editable {
		t.Errorf("2025 after its deadline: %+v", f)
	}
	if r := env.As(t, "moi.hr", "PUT", "/api/gender-survey", map[string]any{"year": 2025, "values": vals}); r.Status != 409 {
		t.Errorf("a save after the deadline: %d %s", r.Status, r.Body)
	}
	// a subordinate not required: 不須填報; the list names each agency of the subtree
	env.As(t, "moi.hr", "GET", "/api/gender-survey?year=2026&agency="+demo.MOINPA, nil).JSON(t, &f)
	if f.Required {
		t.Errorf("警政署 is not required in the demo table: %+v", f)
	}
	var list struct {
		Items []gendersurvey.Status `json:"items"`
	}
	env.As(t, "moi.hr", "GET", "/api/gender-survey/agencies?year=2026", nil).JSON(t, &list)
	found := map[string]gendersurvey.Status{}
	for _, s := range list.Items {
		found[s.Agency.Code] = s
	}
	if s := found[demo.MOI]; !s.Required || s.Updated.IsZero() {
		t.Errorf("MOI in the list: %+v", s)
	}
	if s, ok := found[demo.MOINPA]; !ok || s.Required {
		t.Errorf("警政署 in the list: %+v", s)
	}
	if r := env.As(t, "moi.hr", "GET", "/api/gender-survey?agency="+demo.TPE, nil); r.Status != 403 {
		t.Errorf("another county's form: %d %s", r.Status, r.Body)
	}
}
