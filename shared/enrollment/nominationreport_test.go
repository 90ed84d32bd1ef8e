package enrollment_test

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// TestNominationQuery: P3 lists exactly MOI's nominations matching the
// conditions (status, nomination date, person), newest first, across pages,
// and never another agency's.
func TestNominationQuery(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 120, Classes: 6})
	var moiPeople []string
	for _, p := range env.Data.People {
		if p.Agency == demo.MOI {
			moiPeople = append(moiPeople, p.ID)
		}
	}
	c := env.Data.Classes[0]
	now := env.Now()
	statuses := []string{catalog.Pending, catalog.Approved, catalog.Rejected}
	var items []any
	type nom struct {
		person, status string
		at             time.Time
	}
	var made []nom
	for i, id := range moiPeople[:min(24, len(moiPeople))] {
		at := now.Add(-time.Duration(i) * 26 * time.Hour) // one about every day back
		e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: id, Agency: demo.MOI,
			Status: statuses[i%3], At: at, NominatedBy: demo.MOI}
		items = append(items, catalog.EnrollmentKeyed(e))
		made = append(made, nom{id, e.Status, at})
	}
	// another agency's nomination must never show
	items = append(items, catalog.EnrollmentKeyed(catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session,
		PersonID: "someone-else", Agency: demo.TPE, Status: catalog.Pending, At: now, NominatedBy: demo.TPE}))
	if err := store.WriteAll(context.Background(), env.Tables.Catalog, items, 4); err != nil {
		t.Fatal(err)
	}
	from := roc.Day(now).AddDate(0, 0, -10).Format(time.DateOnly)
	want := 0
	for _, m := range made {
		if m.status == catalog.Approved && roc.Day(m.at).Format(time.DateOnly) >= from {
			want++
		}
	}
	var got []map[string]json.RawMessage
	next := ""
	for {
		p := "/api/reports/P3?status=approved&limit=2&from=" + from
		if next != "" {
			p += "&next=" + url.QueryEscape(next)
		}
		res := env.As(t, "moi.hr", "GET", p, nil)
		if res.Status != 200 {
			t.Fatalf("%s: %d %s", p, res.Status, res.Body)
		}
		var a struct {
			Rows []map[string]json.RawMessage `json:"rows"`
			Next string                       `json:"next"`
		}
		res.JSON(t, &a)
		got = append(got, a.Rows...)
		if a.Next == "" {
			break
		}
		next = a.Next
	}
	if want == 0 || len(got) != want {
		t.Fatalf("P3 lists %d nominations, want %d", len(got), want)
	}
	last := "~"
	for _, r := range got {
		var d, s string
		json.Unmarshal(r["nominated"], &d)
		json.Unmarshal(r["status"], &s)
		if s != "已核准" || d > last {
			t.Errorf("row %v: not approved, or not newest first", r)
		}
		last = d
	}
}
