package correction_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/correction"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type page struct {
	Items []correction.Row `json:"items"`
	Next  string           `json:"next"`
}

func list(t *testing.T, env *stacktest.Env, user, query string) page {
	t.Helper()
	r := env.As(t, user, "GET", "/api/corrections?"+query, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", query, r.Status, r.Body)
	}
	var p page
	r.JSON(t, &p)
	return p
}

func fields(t *testing.T, r stacktest.Response) []string {
	var e struct {
		Field  string `json:"field"`
		Fields []struct {
			Field string `json:"field"`
		} `json:"fields"`
	}
	r.JSON(t, &e)
	out := []string{e.Field}
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// P16: find an agency's records by the manual's filters, correct title and
// rank of selected rows in one submission (checked whole first), each change
// in the audit trail; the corrected record is what every reader of records
// sees, its summary is recomputed (hours unchanged), and the same submission
// again changes nothing and writes no second audit entry.
func TestCorrectTitleAndRank(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 200, Classes: 30})
	ctx := context.Background()
	// Two MOI records of one year that carry the learner's title (the demo's class records).
	var recs []records.Record
	for _, r := range env.Data.Records {
		if r.Agency == demo.MOI && r.Source == records.SourceClass && r.Title != "" && r.Title != "技正" &&
			(len(recs) == 0 || (r.Year == recs[0].Year && r.PersonID != recs[0].PersonID)) {
			recs = append(recs, r)
		}
	}
	if len(recs) < 2 {
		t.Fatalf("the demo has %d MOI class records in one year", len(recs))
	}
	a, b := recs[0], recs[1]
	var nidA, nameA string
	for _, p := range env.Data.People {
		if p.ID == a.PersonID {
			nidA, nameA = p.NationalID, p.Name
		}
	}
	year := fmt.Sprint(a.Year)
	// Filters: national ID, name, course code + session, course name.
	for _, q := range []string{"nationalId=" + nidA, "name=" + nameA, "courseCode=" + a.CourseCode + "&session=" + a.Session, "courseName=" + a.CourseName} {
		p := list(t, env, "moi.hr", "year="+year+"&"+q)
		if !slices.ContainsFunc(p.Items, func(r correction.Row) bool { return r.PersonID == a.PersonID && r.ID == a.ID && r.Title == a.Title }) {
			t.Fatalf("%s: the first page lacks the record: %+v", q, p.Items)
		}
	}
	// Issue 27, Medium 12: a search by course code and session (or a name)
	// filtered each page after reading it, so most first pages were empty.
	// Every class of the agency's year shows its records on the first page.
	classes := map[string]bool{}
	for _, r := range env.Data.Records {
		if k := "courseCode=" + r.CourseCode + "&session=" + r.Session; r.Agency == demo.MOI && r.Year == a.Year &&
			r.CourseCode != "" && !classes[k] && len(classes) < 12 {
			classes[k] = true
			if p := list(t, env, "moi.hr", "year="+year+"&"+k); len(p.Items) == 0 {
				t.Errorf("%s: an empty first page (next %q) though the class has records", k, p.Next)
			}
		}
	}
	if p := list(t, env, "moi.hr", "year="+year+"&nationalId="+nidA); slices.ContainsFunc(p.Items, func(r correction.Row) bool { return r.PersonID != a.PersonID }) {
		t.Fatalf("national ID filter lets others through: %+v", p.Items)
	}
	env.WaitSummaries(t)
	sumBefore, _, err := summary.Repo{Records: env.Tables.Records}.Get(ctx, a.PersonID, a.Year)
	if err != nil {
		t.Fatal(err)
	}

	change := func(r records.Record, title, rank string) map[string]any {
		return map[string]any{"personId": r.PersonID, "year": r.Year, "id": r.ID, "title": title, "rank": rank}
	}
	// One bad row refuses all: every fault named, nothing written.
	r := env.As(t, "moi.hr", "PUT", "/api/corrections", map[string]any{"changes": []any{
		change(a, "T06", "R08"), change(b, "T06", "R99"), change(records.Record{PersonID: "nobody", Year: a.Year, ID: "x"}, "T06", "R08")}})
	if got := fields(t, r); r.Status != 400 || !slices.Contains(got, "changes[1].rank") || !slices.Contains(got, "changes[2]") {
		t.Fatalf("a bad batch: %d %s", r.Status, r.Body)
	}
	// Another agency cannot correct MOI's records.
	if r := env.As(t, "tpe.hr", "PUT", "/api/corrections", map[string]any{"changes": []any{change(a, "T06", "R08")}}); r.Status != 400 {
		t.Fatalf("another agency: %d %s", r.Status, r.Body)
	}
	got, err := records.Repo{Table: env.Tables.Records}.GetWithReview(ctx, []records.RecordRef{a.Ref(), b.Ref()})
	if err != nil {
		t.Fatal(err)
	}
	if got[a.Ref()].Title != a.Title || got[b.Ref()].Title != b.Title {
		t.Fatalf("a refused batch wrote: %q %q", got[a.Ref()].Title, got[b.Ref()].Title)
	}

	for i, want := range []int{2, 0} { // the same submission twice: the second changes nothing
		r := env.As(t, "moi.hr", "PUT", "/api/corrections", map[string]any{"changes": []any{change(a, "T06", "R08"), change(b, "T06", "R08")}})
		var res struct {
			Changed int `json:"changed"`
		}
		r.JSON(t, &res)
		if r.Status != 200 || res.Changed != want {
			t.Fatalf("submission %d: %d %s, want %d changed", i+1, r.Status, r.Body, want)
		}
	}
	if p := list(t, env, "moi.hr", "year="+year+"&nationalId="+nidA); !slices.ContainsFunc(p.Items, func(r correction.Row) bool {
		return r.ID == a.ID && r.Title == "技正" && r.Rank == "薦任第八職等"
	}) {
		t.Fatalf("the list after the correction: %+v", p.Items)
	}
	got, err = records.Repo{Table: env.Tables.Records}.GetWithReview(ctx, []records.RecordRef{a.Ref(), b.Ref()})
	if err != nil {
		t.Fatal(err)
	}
	if got[a.Ref()].Title != "技正" || got[b.Ref()].Rank != "薦任第八職等" || got[a.Ref()].Hours != a.Hours {
		t.Fatalf("records after the correction: %+v / %+v", got[a.Ref()].Record, got[b.Ref()].Record)
	}
	// A title or rank changes no counted value: the stream function skips
	// it (summary.Stream), and the summary is the one before.
	env.WaitSummaries(t)
	sumAfter, _, err := summary.Repo{Records: env.Tables.Records}.Get(ctx, a.PersonID, a.Year)
	if err != nil {
		t.Fatal(err)
	}
	if !sumAfter.Computed.Equal(sumBefore.Computed) || sumAfter.TotalHours != sumBefore.TotalHours {
		t.Fatalf("summary: before %+v after %+v (not recomputed, same hours)", sumBefore, sumAfter)
	}
	// The audit trail: one entry, who, before and after.
	r = env.As(t, "moi.hr", "GET", fmt.Sprintf("/api/corrections/audit?personId=%s&year=%d&id=%s", a.PersonID, a.Year, url.QueryEscape(a.ID)), nil)
	var audit struct {
		Items []account.AuditEntry `json:"items"`
	}
	r.JSON(t, &audit)
	if r.Status != 200 || len(audit.Items) != 1 {
		t.Fatalf("audit: %d %s", r.Status, r.Body)
	}
	e := audit.Items[0]
	var before, after correction.Change
	if json.Unmarshal([]byte(e.Before), &before) != nil || json.Unmarshal([]byte(e.After), &after) != nil ||
		e.Actor != "moi.hr" || e.Agency != demo.MOI || before.Title != a.Title || before.Rank != a.Rank || after.Title != "技正" || after.Rank != "薦任第八職等" {
		t.Fatalf("audit entry: %+v", e)
	}
	if r := env.As(t, "tpe.hr", "GET", fmt.Sprintf("/api/corrections/audit?personId=%s&year=%d&id=%s", a.PersonID, a.Year, url.QueryEscape(a.ID)), nil); r.Status != 404 {
		t.Fatalf("another agency's audit: %d", r.Status)
	}
}

// Issue 27, Medium 12: P16 filtered each page after reading it, so a search
// by course code and session showed empty first pages while the matching
// record lay further on. A class's one record behind 120 others of the
// agency's year is on the first page.
func TestSearchPagesAreNeverEmptyWhileMoreMatch(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	repo := records.Repo{Table: env.Tables.Records}
	y := env.Year()
	rec := func(person, code, category string) records.Record {
		return records.Record{PersonID: person, ID: records.ClassRecordID(code, "1"), Agency: demo.MOI, Year: y,
			Source: records.SourceClass, CourseCode: code, Session: "1", CourseName: "分頁測試", Category: category,
			Start: fmt.Sprintf("%d-01-02", y), End: fmt.Sprintf("%d-01-03", y), Status: records.Final, Hours: 1, Created: time.Now().UTC()}
	}
	var recs []records.Record
	for i := range 120 { // sorted first (category 0000)
		recs = append(recs, rec(fmt.Sprintf("FILL%03d", i), "FILL-1", "0000"))
	}
	recs = append(recs, rec("LAST001", "LAST-1", "9999")) // sorted last
	if err := repo.WriteRecords(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	p := list(t, env, "moi.hr", fmt.Sprintf("year=%d&courseCode=last-1&session=1", y))
	if len(p.Items) != 1 || p.Items[0].PersonID != "LAST001" || p.Next != "" {
		t.Errorf("the class's one record: first page %+v, next %q", p.Items, p.Next)
	}
}
