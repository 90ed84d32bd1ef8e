package hoursmaint_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/hoursmaint"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type page struct {
	Items []hoursmaint.Item
	Next  string
}

// fixture writes records as an L6b/L6c upload does (records.Repo, the
// summaries recomputed) for people of an agency.
type fixture struct {
	env  *stacktest.Env
	repo records.Repo
	sums summary.Repo
	year int
}

func newFixture(t *testing.T) *fixture {
	env := stacktest.Start(t, stacktest.Options{People: 200, Classes: 4})
	people := staff.Repo{Table: env.Tables.Directory}
	sums := summary.Repo{Records: env.Tables.Records, People: people, Now: env.Now}
	return &fixture{env: env, repo: records.Repo{Table: env.Tables.Records}, sums: sums, year: env.Year()}
}

func (f *fixture) people(t *testing.T, agency string, n int) []staff.Person {
	var out []staff.Person
	for _, p := range f.env.Data.People {
		if p.Agency == agency && len(out) < n {
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatalf("the demo has %d people in %s, want %d", len(out), agency, n)
	}
	return out
}

// write puts a final, passed record; study records take the study type as their category.
func (f *fixture) write(t *testing.T, p staff.Person, source, id, course, category string, hours int) records.Record {
	passed := true
	start := fmt.Sprintf("%d-03-02", f.year)
	r := records.Record{PersonID: p.ID, ID: id, Agency: p.Agency, Year: f.year, Source: source, CourseName: course,
		Category: category, Start: start, End: start, Hours: hours, Passed: &passed, Status: records.Final,
		Nature: catalog.Physical, PhysicalHours: hours, Institution: "國家文官學院", Created: time.Now().UTC(), Job: "job1"}
	if err := f.repo.WriteRecords(context.Background(), []records.Record{r}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) total(t *testing.T, personID string) (int, int) {
	f.env.WaitSummaries(t) // the summaries follow from the Records stream
	s, _, err := f.sums.Get(context.Background(), personID, f.year)
	if err != nil {
		t.Fatal(err)
	}
	return s.TotalHours, s.Records
}

func (f *fixture) find(t *testing.T, user, kind string, q url.Values) page {
	t.Helper()
	q.Set("year", fmt.Sprint(f.year))
	r := f.env.As(t, user, "GET", "/api/learning-hours/"+kind+"?"+q.Encode(), nil)
	if r.Status != 200 {
		t.Fatalf("find %s %v: %d %s", kind, q, r.Status, r.Body)
	}
	var p page
	r.JSON(t, &p)
	return p
}

func (f *fixture) exists(t *testing.T, r records.Record) bool {
	_, err := f.repo.Get(context.Background(), r.PersonID, r.Year, r.ID)
	return err == nil
}

func TestOnlineMaintenance(t *testing.T) {
	f := newFixture(t)
	moi := f.people(t, demo.MOI, 3)
	tpe := f.people(t, demo.TPE, 1)[0]
	a := f.write(t, moi[0], records.SourceExternal, "B#000000000000000000000001", "英語簡報技巧", "3111", 6)
	b := f.write(t, moi[1], records.SourceExternal, "B#000000000000000000000002", "公文寫作", "511", 3)
	c := f.write(t, moi[2], records.SourceExternal, "B#000000000000000000000003", "公文寫作", "511", 3)
	study := f.write(t, moi[0], records.SourceStudy, "S#000000000000000000000001", "公共行政碩士學分班", "study3", 4)
	other := f.write(t, tpe, records.SourceExternal, "B#000000000000000000000009", "英語簡報技巧", "3111", 5)

	// Find: by national ID (masked on screen), by name, institution, course, category; L6c by study type.
	got := f.find(t, "moi.course", "external", url.Values{"who": {moi[0].NationalID}})
	if len(got.Items) != 1 || got.Items[0].CourseName != a.CourseName || got.Items[0].Name != moi[0].Name ||
		got.Items[0].NationalID == moi[0].NationalID || !strings.Contains(got.Items[0].NationalID, "****") {
		t.Fatalf("by national ID: %+v", got.Items)
	}
	item := got.Items[0]
	if n := len(f.find(t, "moi.course", "external", url.Values{"who": {moi[1].Name}, "course": {"公文"}}).Items); n != 1 {
		t.Errorf("by name and course: %d items, want 1", n)
	}
	if n := len(f.find(t, "moi.course", "external", url.Values{"course": {"公文寫作"}, "category": {"5"}, "institution": {"文官"}}).Items); n != 2 {
		t.Errorf("by course, category 5…, institution: %d items, want 2", n)
	}
	if n := len(f.find(t, "moi.course", "external", url.Values{"from": {fmt.Sprintf("%d-03-03", f.year)}, "course": {"英語簡報技巧"}}).Items); n != 0 {
		t.Errorf("from the day after: %d items, want 0", n)
	}
	if s := f.find(t, "moi.course", "study", url.Values{"category": {"3"}}).Items; len(s) != 1 || s[0].CourseName != study.CourseName || s[0].Category != "3" {
		t.Errorf("study type 3: %+v", s)
	}
	if s := f.find(t, "moi.course", "study", url.Values{"category": {"2"}}).Items; len(s) != 0 {
		t.Errorf("study type 2: %+v", s)
	}
	// Another agency: out of scope, and its records never listed.
	if r := f.env.As(t, "moi.course", "GET", fmt.Sprintf("/api/learning-hours/external?year=%d&agency=%s", f.year, demo.TPE), nil); r.Status != 403 {
		t.Errorf("search of TPE by MOI: %d %s", r.Status, r.Body)
	}
	if s := f.find(t, "moi.course", "external", url.Values{"who": {tpe.NationalID}}).Items; len(s) != 0 {
		t.Errorf("a TPE learner listed to MOI: %+v", s)
	}
	tpeRef := f.find(t, "tpe.hr", "external", url.Values{"who": {tpe.NationalID}}).Items[0].Ref

	put := func(user, ref string, body map[string]any) (int, string, hoursmaint.Item) {
		r := f.env.As(t, user, "PUT", "/api/learning-hours/external/"+ref, body)
		var it hoursmaint.Item
		if r.Status == 200 {
			r.JSON(t, &it)
		}
		return r.Status, r.Code(), it
	}
	total0, _ := f.total(t, moi[0].ID)

	// A revision under the L6r rules changes the learner's summary.
	st, code, saved := put("moi.course", item.Ref, map[string]any{"stamp": item.Stamp, "hours": 10, "nature": "physical", "passed": true,
		"courseName": item.CourseName, "institution": item.Institution, "nationalId": item.NationalID, "start": item.Start, "end": item.End, "category": item.Category})
	if st != 200 || saved.Hours != 10 || saved.PhysicalHours != 10 || saved.Stamp == item.Stamp {
		t.Fatalf("revise: %d %s %+v", st, code, saved)
	}
	if total1, _ := f.total(t, moi[0].ID); total1 != total0+4 {
		t.Errorf("summary total %d after 6 → 10 hours, was %d", total1, total0)
	}

	// Refused, nothing written: a natural-key field changed, a stale stamp, L6r broken, another agency's record.
	refused := []struct {
		name, ref string
		body      map[string]any
		status    int
		code      string
	}{
		{"course name changed", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical", "passed": true, "courseName": "英語簡報技巧（進階）"}, 409, "natural_key_fixed"},
		{"start changed", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical", "passed": true, "start": fmt.Sprintf("%d-03-01", f.year)}, 409, "natural_key_fixed"},
		{"national ID changed", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical", "passed": true, "nationalId": moi[1].NationalID}, 409, "natural_key_fixed"},
		{"category changed", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical", "passed": true, "category": "511"}, 409, "natural_key_fixed"},
		{"stale stamp", item.Ref, map[string]any{"stamp": item.Stamp, "hours": 8, "nature": "physical", "passed": true}, 409, "conflict"},
		{"decimal hours", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 2.5, "nature": "physical", "passed": true}, 400, "invalid_input"},
		{"blended without digital", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "blended", "physicalHours": 8, "passed": true}, 400, "invalid_input"},
		{"blended not adding up", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "blended", "digitalHours": 2, "physicalHours": 3, "passed": true}, 400, "invalid_input"},
		{"no result", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical"}, 400, "invalid_input"},
		{"another agency's record", tpeRef, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical", "passed": true}, 404, "not_found"},
		{"a study record on the L6b route", f.find(t, "moi.course", "study", url.Values{}).Items[0].Ref, map[string]any{"stamp": saved.Stamp, "hours": 8, "nature": "physical", "passed": true}, 404, "not_found"},
	}
	for _, tc := range refused {
		if st, code, _ := put("moi.course", tc.ref, tc.body); st != tc.status || code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, st, code, tc.status, tc.code)
		}
	}
	if now := f.find(t, "moi.course", "external", url.Values{"who": {moi[0].NationalID}}).Items[0]; now.Hours != 10 || now.Stamp != saved.Stamp {
		t.Errorf("a refused revision wrote: %+v", now)
	}
	if total, _ := f.total(t, moi[0].ID); total != total0+4 {
		t.Errorf("a refused revision changed the summary: %d", total)
	}
	if r, _ := f.repo.Get(context.Background(), tpe.ID, other.Year, other.ID); r.Hours != 5 {
		t.Errorf("another agency's record was changed: %+v", r.Record)
	}

	// A stale save after someone else's revision: the second of two screens loses.
	_, _, second := put("moi.course", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 6, "nature": "digital", "passed": false})
	if second.Passed || second.Nature != catalog.Digital || second.DigitalHours != 6 {
		t.Fatalf("second revision: %+v", second)
	}
	if total, _ := f.total(t, moi[0].ID); total != total0-6 {
		t.Errorf("a failed record still counts: total %d, want %d", total, total0-6)
	}
	if st, code, _ := put("moi.course", item.Ref, map[string]any{"stamp": saved.Stamp, "hours": 9, "nature": "physical", "passed": true}); st != 409 || code != "conflict" {
		t.Errorf("stale save: %d %s", st, code)
	}

	// An upload rewriting the record (same natural key: the same id, the
	// record's first creation time kept, as the apply does for 更新; its own
	// job; no version) makes the screen's stamp stale too.
	now := f.find(t, "moi.course", "external", url.Values{"who": {moi[0].NationalID}}).Items[0]
	rewritten := a
	rewritten.Job = "JOB-REWRITE"
	if err := f.repo.WriteRecords(context.Background(), []records.Record{rewritten}); err != nil {
		t.Fatal(err)
	}
	if st, code, _ := put("moi.course", item.Ref, map[string]any{"stamp": now.Stamp, "hours": 9, "nature": "physical", "passed": true}); st != 409 || code != "conflict" {
		t.Errorf("save over an upload's rewrite: %d %s", st, code)
	}

	// The same for a record never revised online (its stamp has no version):
	// the rewrite's job is what makes the screen's stamp stale.
	first := f.find(t, "moi.course", "external", url.Values{"who": {moi[1].NationalID}}).Items[0]
	again := b
	again.Job = "JOB-REWRITE-2"
	if err := f.repo.WriteRecords(context.Background(), []records.Record{again}); err != nil {
		t.Fatal(err)
	}
	if st, code, _ := put("moi.course", first.Ref, map[string]any{"stamp": first.Stamp, "hours": 2, "nature": "physical", "passed": true}); st != 409 || code != "conflict" {
		t.Errorf("save over an upload's rewrite of a never-revised record: %d %s", st, code)
	}

	// A record a score download (P1) delivered, then revised here: a
	// correction notice opens (H6 counts it, P1 僅更正通知 lists it).
	notices := func() int {
		var items []map[string]any
		if err := f.env.Tables.Records.Get("todopk", records.NoticeKey(demo.MOI)).Index(records.TodoIndex).All(context.Background(), &items); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range items {
			if sk, _ := it["todosk"].(string); strings.HasSuffix(sk, "#"+c.PersonID+"#"+c.ID) {
				n++
			}
		}
		return n
	}
	if _, err := f.repo.MarkDownloaded(context.Background(), []dynamo.Keys{{"PERSON#" + c.PersonID, fmt.Sprintf("REC#%d#%s", c.Year, c.ID)}}, "P1-JOB", time.Now()); err != nil {
		t.Fatal(err)
	}
	if notices() != 0 {
		t.Fatal("a notice before any correction")
	}
	cnow := f.find(t, "moi.course", "external", url.Values{"who": {moi[2].NationalID}}).Items[0]
	if st, code, _ := put("moi.course", cnow.Ref, map[string]any{"stamp": cnow.Stamp, "hours": 1, "nature": "physical", "passed": true}); st != 200 {
		t.Fatalf("revise a delivered record: %d %s", st, code)
	}
	if notices() != 1 {
		t.Error("revising a delivered record opened no correction notice")
	}

	// Batch delete: one invalid ref deletes nothing; then two, and the retry deletes nothing twice.
	refs := f.find(t, "moi.course", "external", url.Values{"course": {"公文寫作"}}).Items
	if len(refs) != 2 {
		t.Fatalf("公文寫作: %+v", refs)
	}
	_, countB := f.total(t, moi[1].ID)
	del := func(user string, list ...string) (int, string, int) {
		r := f.env.As(t, user, "POST", "/api/learning-hours/external/delete", map[string]any{"refs": list})
		var out struct{ Deleted int }
		if r.Status == 200 {
			r.JSON(t, &out)
		}
		return r.Status, r.Code(), out.Deleted
	}
	for _, bad := range [][]string{{refs[0].Ref, "not.a.ref"}, {}} {
		if st, code, _ := del("moi.course", bad...); st < 400 || st >= 500 || code == "" {
			t.Errorf("delete %v: %d %s, want a 4xx", bad, st, code)
		}
	}
	if !f.exists(t, b) || !f.exists(t, c) || !f.exists(t, other) {
		t.Fatal("a refused batch deleted records")
	}
	if st, _, n := del("moi.course", refs[0].Ref, refs[1].Ref); st != 200 || n != 2 {
		t.Fatalf("delete two: %d %d", st, n)
	}
	if f.exists(t, b) || f.exists(t, c) {
		t.Error("records still there after the delete")
	}
	if st, _, n := del("moi.course", refs[0].Ref, refs[1].Ref); st != 200 || n != 0 {
		t.Errorf("retried delete: %d %d, want 200 0", st, n)
	}
	if _, count := f.total(t, moi[1].ID); count != countB-1 {
		t.Errorf("summary records %d after the delete, was %d", count, countB)
	}
	// Another agency's officer cannot delete MOI's record, nor learn it
	// exists: the answer is that of a record that does not exist (issue 27,
	// Medium 10: 404 for an existing record, 200 deleted 0 for a missing one).
	foreign := f.env.As(t, "tpe.hr", "POST", "/api/learning-hours/external/delete", map[string]any{"refs": []string{item.Ref}})
	missing := f.env.As(t, "tpe.hr", "POST", "/api/learning-hours/external/delete", map[string]any{"refs": []string{refs[0].Ref}})
	if foreign.Status != missing.Status || string(foreign.Body) != string(missing.Body) || !f.exists(t, a) {
		t.Errorf("delete by TPE of a MOI record: %d %s; of a missing one: %d %s", foreign.Status, foreign.Body, missing.Status, missing.Body)
	}
	if st, _, n := del("moi.course", tpeRef); st != missing.Status || n != 0 || !f.exists(t, other) {
		t.Errorf("delete by MOI of a TPE record: %d, %d deleted", st, n)
	}
}
