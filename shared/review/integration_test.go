package review_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/review"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type page struct {
	Items []review.Row `json:"items"`
	Next  string       `json:"next"`
}

func moiPeople(env *stacktest.Env, n int) []staff.Person {
	var out []staff.Person
	for _, p := range env.Data.People {
		if p.Agency == demo.MOI && len(out) < n {
			out = append(out, p)
		}
	}
	return out
}

func report(day string, category string, hours int) map[string]any {
	return map[string]any{"institution": "中國生產力中心", "courseName": "專案管理實務", "category": category,
		"start": day, "end": day, "hours": hours, "nature": "physical"}
}

// pendingCount is H6's count of records waiting for review.
func pendingCount(t *testing.T, env *stacktest.Env, user string) int {
	t.Helper()
	var home struct {
		Todo struct {
			PendingReview int `json:"pendingReview"`
		} `json:"todo"`
	}
	r := env.As(t, user, "GET", "/api/home", nil)
	if r.Status != 200 {
		t.Fatalf("home: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &home)
	return home.Todo.PendingReview
}

// list reads every page of P15 for the query.
func list(t *testing.T, env *stacktest.Env, user, query string) []review.Row {
	t.Helper()
	var all []review.Row
	next := ""
	for {
		path := "/api/reviews?" + query
		if next != "" {
			path += "&next=" + next
		}
		r := env.As(t, user, "GET", path, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
		}
		var p page
		r.JSON(t, &p)
		all = append(all, p.Items...)
		if next = p.Next; next == "" {
			return all
		}
	}
}

func find(rows []review.Row, personID, id string) *review.Row {
	for i := range rows {
		if rows[i].PersonID == personID && rows[i].ID == id {
			return &rows[i]
		}
	}
	return nil
}

func hours(t *testing.T, env *stacktest.Env, personID string, year int) int {
	t.Helper()
	env.WaitSummaries(t) // the summaries follow from the Records stream
	s, _, err := summary.Repo{Records: env.Tables.Records}.Get(context.Background(), personID, year)
	if err != nil {
		t.Fatal(err)
	}
	return s.TotalHours
}

// From the learner's report to counted hours: the report waits and counts
// nowhere; H6 counts it and P15 lists it (the count equals the list);
// a batch with one bad entry changes nothing; the approved record counts in
// the learner's summary, the rejected one keeps its reason for the learner;
// the same batch again is harmless, a different decision is refused.
func TestReportReviewAndCount(t *testing.T) {
	stacktest.EachClock(t, func(t *testing.T, at time.Time) {
		env := stacktest.Start(t, stacktest.Options{People: 200, Classes: 5, At: at})
		ppl := moiPeople(env, 2)
		a, b := ppl[0], ppl[1]
		day := env.Day(-1)
		year := records.EndYear(day)
		if r := env.As(t, "moi.hr", "PUT", "/api/business-categories", map[string]any{"categories": []string{"511"}, "updated": "0001-01-01T00:00:00Z"}); r.Status != 200 {
			t.Fatalf("P14: %d %s", r.Status, r.Body)
		}
		before := pendingCount(t, env, "moi.hr")
		if n := len(list(t, env, "moi.hr", "status=pending")); n != before {
			t.Fatalf("H6 counts %d waiting, P15 lists %d", before, n)
		}
		hoursA, hoursB := hours(t, env, a.ID, year), hours(t, env, b.ID, year)

		var recA, recB records.Reported
		r := env.Do(t, "POST", "/api/front/records", env.Token(t, a.ID), report(day, "511", 6))
		if r.Status != 201 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &recA)
		if recA.Status != records.PendingReview || recA.Source != records.SourceExternal || recA.Agency != a.Agency ||
			recA.Title != a.Title || recA.Rank != a.Rank {
			t.Fatalf("reported record: %+v", recA)
		}
		// A retry answers the first record; the same course with other hours is a conflict.
		r = env.Do(t, "POST", "/api/front/records", env.Token(t, a.ID), report(day, "511", 6))
		var again records.Reported
		r.JSON(t, &again)
		if r.Status != 200 || again.ID != recA.ID {
			t.Fatalf("retried report: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, "POST", "/api/front/records", env.Token(t, a.ID), report(day, "511", 7)); r.Status != 409 || r.Code() != "conflict" {
			t.Fatalf("same course, other hours: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, "POST", "/api/front/records", env.Token(t, b.ID), report(day, "111", 3))
		if r.Status != 201 {
			t.Fatalf("report b: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &recB)

		// Pending counts nowhere.
		if h := hours(t, env, a.ID, year); h != hoursA {
			t.Fatalf("a's summary moved on a pending report: %d → %d", hoursA, h)
		}
		if n := pendingCount(t, env, "moi.hr"); n != before+2 {
			t.Fatalf("H6 after two reports: %d, want %d", n, before+2)
		}
		rows := list(t, env, "moi.hr", "status=pending")
		if len(rows) != before+2 {
			t.Fatalf("P15 lists %d, H6 counts %d", len(rows), before+2)
		}
		ra, rb := find(rows, a.ID, recA.ID), find(rows, b.ID, recB.ID)
		if ra == nil || rb == nil {
			t.Fatalf("P15 misses the reports: %+v", rows)
		}
		if !ra.RelevantPreset || !ra.Relevant || rb.RelevantPreset || ra.Name != a.Name || ra.NationalID == a.NationalID {
			t.Fatalf("P15 rows (511 is business-related, 111 not; national ID masked): %+v %+v", *ra, *rb)
		}
		if got := list(t, env, "moi.hr", fmt.Sprintf("status=pending&year=%d&nationalId=%s", year, a.NationalID)); find(got, a.ID, recA.ID) == nil || find(got, b.ID, recB.ID) != nil {
			t.Fatalf("by national ID: %+v", got)
		}
		if got := list(t, env, "moi.hr", "status=pending&name="+a.Name); find(got, a.ID, recA.ID) == nil {
			t.Fatalf("by name: %+v", got)
		}

		approveA := map[string]any{"personId": a.ID, "year": recA.Year, "id": recA.ID, "result": "approve", "relevant": true}
		rejectB := map[string]any{"personId": b.ID, "year": recB.Year, "id": recB.ID, "result": "reject", "relevant": false, "reason": "缺研習證明"}
		// One bad entry: nothing decided, each fault named.
		noReason := map[string]any{"personId": b.ID, "year": recB.Year, "id": recB.ID, "result": "reject", "relevant": false}
		r = env.As(t, "moi.hr", "POST", "/api/reviews/decisions", map[string]any{"decisions": []any{approveA, noReason}})
		if r.Status != 400 || !hasField(t, r, "decisions[1].reason") {
			t.Fatalf("reasonless rejection: %d %s", r.Status, r.Body)
		}
		if n := pendingCount(t, env, "moi.hr"); n != before+2 {
			t.Fatalf("a refused batch decided something: %d waiting", n)
		}
		// Another agency cannot decide MOI's records.
		if r := env.As(t, "tpe.hr", "POST", "/api/reviews/decisions", map[string]any{"decisions": []any{approveA}}); r.Status != 400 {
			t.Fatalf("another agency's record: %d %s", r.Status, r.Body)
		}

		for range 2 { // the same batch twice: a retry after a lost answer
			if r := env.As(t, "moi.hr", "POST", "/api/reviews/decisions", map[string]any{"decisions": []any{approveA, rejectB}}); r.Status != 200 {
				t.Fatalf("decide: %d %s", r.Status, r.Body)
			}
		}
		if h := hours(t, env, a.ID, year); h != hoursA+6 {
			t.Fatalf("a's summary after approval: %d, want %d", h, hoursA+6)
		}
		if h := hours(t, env, b.ID, year); h != hoursB {
			t.Fatalf("b's summary after rejection: %d, want %d", h, hoursB)
		}
		if n := pendingCount(t, env, "moi.hr"); n != before {
			t.Fatalf("H6 after the review: %d, want %d", n, before)
		}
		if got := list(t, env, "moi.hr", "status=pending"); len(got) != before {
			t.Fatalf("P15 pending after the review: %d, want %d", len(got), before)
		}
		if got := list(t, env, "moi.hr", "status=rejected"); find(got, b.ID, recB.ID) == nil || find(got, b.ID, recB.ID).Reason != "缺研習證明" {
			t.Fatalf("rejected list: %+v", got)
		}
		if got := list(t, env, "moi.hr", "status=approved"); find(got, a.ID, recA.ID) == nil || find(got, b.ID, recB.ID) != nil {
			t.Fatalf("approved list: %+v", got)
		}
		// The learner sees the reason.
		var mine struct {
			Items []records.Reported `json:"items"`
		}
		env.Do(t, "GET", "/api/front/records", env.Token(t, b.ID), nil).JSON(t, &mine)
		if len(mine.Items) != 1 || mine.Items[0].Status != records.Rejected || mine.Items[0].Reason != "缺研習證明" {
			t.Fatalf("b's own records: %+v", mine.Items)
		}
		// A different decision after the fact: 409, nothing changed.
		rejectA := map[string]any{"personId": a.ID, "year": recA.Year, "id": recA.ID, "result": "reject", "relevant": true, "reason": "重複"}
		if r := env.As(t, "moi.hr", "POST", "/api/reviews/decisions", map[string]any{"decisions": []any{rejectA}}); r.Status != 409 {
			t.Fatalf("a different decision: %d %s", r.Status, r.Body)
		}
		if h := hours(t, env, a.ID, year); h != hoursA+6 {
			t.Fatalf("a's summary after a refused decision: %d", h)
		}
	})
}

func hasField(t *testing.T, r stacktest.Response, field string) bool {
	var e struct {
		Field  string `json:"field"`
		Fields []struct {
			Field string `json:"field"`
		} `json:"fields"`
	}
	r.JSON(t, &e)
	if e.Field == field {
		return true
	}
	return slices.ContainsFunc(e.Fields, func(f struct {
		Field string `json:"field"`
	}) bool {
		return f.Field == field
	})
}

// Every field of a report is checked, each fault named with a zh-TW
// message and 400; nothing is written.
func TestReportRefusesBadInput(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 50, Classes: 2})
	p := moiPeople(env, 1)[0]
	day := env.Day(-2)
	cases := []struct {
		name, field string
		edit        func(map[string]any)
	}{
		{"no institution", "institution", func(m map[string]any) { m["institution"] = " " }},
		{"no course", "courseName", func(m map[string]any) { m["courseName"] = "" }},
		{"unknown category", "category", func(m map[string]any) { m["category"] = "999999" }},
		{"bad start", "start", func(m map[string]any) { m["start"] = "2026-02-30" }},
		{"end before start", "end", func(m map[string]any) { m["start"] = env.Day(-1) }},
		{"future end", "end", func(m map[string]any) { m["end"] = env.Day(3) }},
		{"decimal hours", "hours", func(m map[string]any) { m["hours"] = 2.5 }},
		{"no hours", "hours", func(m map[string]any) { m["hours"] = 0 }},
		{"unknown nature", "nature", func(m map[string]any) { m["nature"] = "online" }},
		{"blended without split", "digitalHours", func(m map[string]any) { m["nature"] = "blended" }},
		{"institution too long", "institution", func(m map[string]any) { m["institution"] = strings.Repeat("機", 101) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := report(day, "511", 6)
			c.edit(body)
			r := env.Do(t, "POST", "/api/front/records", env.Token(t, p.ID), body)
			if r.Status != 400 || !hasField(t, r, c.field) {
				t.Fatalf("%d %s, want 400 naming %s", r.Status, r.Body, c.field)
			}
		})
	}
	var mine struct {
		Items []records.Reported `json:"items"`
	}
	env.Do(t, "GET", "/api/front/records", env.Token(t, p.ID), nil).JSON(t, &mine)
	if len(mine.Items) != 0 {
		t.Fatalf("refused reports wrote %d records", len(mine.Items))
	}
	// An officer's token is not a learner's.
	if r := env.As(t, "moi.hr", "POST", "/api/front/records", report(day, "511", 6)); r.Status != 403 {
		t.Fatalf("officer reporting: %d %s", r.Status, r.Body)
	}
}
