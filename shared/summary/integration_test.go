package summary_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// expected is a summary as this test computes it from the records it wrote,
// by STATISTICS.md and the blended rule of summary.Split, without the code
// under test.
type expected struct {
	records, total, digital, physical int
	cats                              map[string]int
}

func independent(recs []records.Record) expected {
	e := expected{cats: map[string]int{}}
	for _, r := range recs {
		if r.Status != "final" || r.Passed == nil || !*r.Passed {
			continue
		}
		e.records++
		e.total += r.Hours
		switch r.Nature {
		case "digital":
			e.digital += r.Hours
		case "blended":
			d := r.DigitalHours
			if r.DigitalHours+r.PhysicalHours != r.Hours {
				d = 0
				if parts := r.DigitalHours + r.PhysicalHours; parts > 0 {
					d = r.Hours * r.DigitalHours / parts
				}
			}
			e.digital += d
			e.physical += r.Hours - d
		default:
			e.physical += r.Hours
		}
		if r.Hours > 0 {
			e.cats[r.Category] += r.Hours
		}
	}
	return e
}

// check compares the stored summary of a person-year with the independent
// computation from model (the person-year's records as the test wrote them)
// and the person's directory entry (nil: not in the directory).
func check(t *testing.T, repo summary.Repo, person string, year int, model []records.Record, p *staff.Person) summary.Summary {
	t.Helper()
	s, found, err := repo.Get(context.Background(), person, year)
	if err != nil {
		t.Fatal(err)
	}
	want := independent(model)
	if !found && want.records > 0 {
		t.Fatalf("%s/%d: no summary, want %+v", person, year, want)
	}
	got := expected{s.Records, s.TotalHours, s.DigitalHours, s.PhysicalHours, map[string]int{}}
	for k, v := range s.Categories {
		if v != 0 {
			got.cats[k] = v
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s/%d: summary %+v, want %+v", person, year, got, want)
	}
	if p != nil && (s.Agency != p.Agency || s.Unit != p.Unit || s.PersonnelCategory != p.Category ||
		s.Rank != p.Rank || s.Title != p.Title || s.Gender != p.Gender || !s.InDirectory) {
		t.Fatalf("%s/%d: profile %+v, want that of %+v", person, year, s, *p)
	}
	if p == nil && found && (s.InDirectory || s.Unit != "" || s.Gender != 0) {
		t.Fatalf("%s/%d: a person not in the directory has a profile: %+v", person, year, s)
	}
	return s
}

// model keeps the records the test wrote, by person-year and record id.
type model map[records.PersonYear]map[string]records.Record

func (m model) put(recs ...records.Record) {
	for _, r := range recs {
		k := records.PersonYear{PersonID: r.PersonID, Year: r.Year}
		if m[k] == nil {
			m[k] = map[string]records.Record{}
		}
		m[k][r.ID] = r
	}
}

func (m model) del(r records.Record) {
	delete(m[records.PersonYear{PersonID: r.PersonID, Year: r.Year}], r.ID)
}

func (m model) of(person string, year int) []records.Record {
	var out []records.Record
	for _, r := range m[records.PersonYear{PersonID: person, Year: year}] {
		out = append(out, r)
	}
	return out
}

type fixture struct {
	env  *stacktest.Env
	sums summary.Repo
	recs records.Repo
}

func start(t *testing.T, people ...staff.Person) fixture {
	t.Helper()
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	var items []any
	for _, p := range people {
		items = append(items, staff.Keyed(p)...)
	}
	if err := store.WriteAll(context.Background(), env.Tables.Directory, items, 4); err != nil {
		t.Fatal(err)
	}
	sums := summary.Repo{Records: env.Tables.Records, People: staff.Repo{Table: env.Tables.Directory}, Now: env.Now}
	return fixture{env: env, sums: sums, recs: records.Repo{Table: env.Tables.Records}}
}

// check is check once the stream has handled every record written so far:
// the summaries follow the records from the Records table's stream.
func (f fixture) check(t *testing.T, person string, year int, model []records.Record, p *staff.Person) summary.Summary {
	t.Helper()
	f.env.WaitSummaries(t)
	return check(t, f.sums, person, year, model, p)
}

var (
	yes, no = true, false
	alice   = staff.Person{ID: "P-ALICE", NationalID: "A123456789", Name: "林愛麗", Gender: 2, Agency: "AG-ONE",
		Unit: "人事室", Title: "科員", Rank: "委任第五職等", Category: "一般行政"}
)

func rec(person string, year int, id, status string, passed *bool, nature string, hours, dig, phy int, cat string) records.Record {
	return records.Record{PersonID: person, ID: id, Agency: "AG-REC", Year: year, Source: records.SourceExternal,
		CourseName: "課程 " + id, Category: cat, Start: fmt.Sprintf("%d-03-01", year), End: fmt.Sprintf("%d-03-02", year),
		Hours: hours, Passed: passed, Status: status, Nature: nature, DigitalHours: dig, PhysicalHours: phy,
		Created: time.Now().UTC()}
}

// Uploads, replays, the roster transfer, grading, regrading and deletion
// each leave the summary equal to a recomputation from the records.
func TestSummaryFollowsEveryRecordWrite(t *testing.T) {
	f := start(t, alice)
	ctx := context.Background()
	m := model{}
	const y = 2031
	upload := []records.Record{
		rec(alice.ID, y, "B#1", records.Final, &yes, "digital", 3, 3, 0, "121"),
		rec(alice.ID, y, "B#2", records.Final, &yes, "blended", 6, 2, 4, "132"),
		rec(alice.ID, y, "B#3", records.Final, &no, "physical", 5, 0, 5, "121"),          // failed
		rec(alice.ID, y, "B#4", records.PendingReview, &yes, "physical", 4, 0, 4, "121"), // pending review
		rec(alice.ID, y, "B#5", records.Final, &yes, "", 2, 0, 0, "1111"),                // no nature: physical
		rec(alice.ID, y, "B#6", records.Final, nil, "digital", 7, 7, 0, "121"),           // pass unknown
		rec(alice.ID, y-1, "B#7", records.Final, &yes, "physical", 8, 0, 8, "211"),       // another year
		rec("P-GONE", y, "B#8", records.Final, &yes, "digital", 9, 9, 0, "121"),          // not in the directory
		rec(alice.ID, y, "B#9", records.AwaitingHours, nil, "physical", 6, 0, 6, "211"),  // awaiting hours
	}
	if err := f.recs.WriteRecords(ctx, upload); err != nil {
		t.Fatal(err)
	}
	m.put(upload...)
	first := f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
	f.check(t, alice.ID, y-1, m.of(alice.ID, y-1), &alice)
	gone := f.check(t, "P-GONE", y, m.of("P-GONE", y), nil)
	if gone.Agency != "AG-REC" {
		t.Errorf("a person not in the directory: agency %q, want the records' AG-REC", gone.Agency)
	}
	if first.Records != 3 || first.TotalHours != 11 {
		t.Fatalf("the test's own sums moved: %+v", first) // guards the test data, not the code
	}

	// The same upload again (a replayed apply) counts nothing twice.
	if err := f.recs.WriteRecords(ctx, upload); err != nil {
		t.Fatal(err)
	}
	again := f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
	if !summary.Same(first, again) {
		t.Fatalf("replay changed the summary: %+v then %+v", first, again)
	}

	// The roster transfer of a blended class (twice), then its grade (twice),
	// then a regrade below the class's hours.
	class := catalog.Class{CourseCode: "SUMT01", Session: "1", Name: "混成班", Agency: "AG-ONE", Category: "122",
		Nature: catalog.Blended, Start: fmt.Sprintf("%d-05-01", y), End: fmt.Sprintf("%d-05-02", y), Hours: 12,
		DigitalHours: 3, PhysicalHours: 9, Year: y, Capacity: 30, Method: catalog.Open}
	enr := catalog.Enrollment{CourseCode: class.CourseCode, Session: class.Session, PersonID: alice.ID, Agency: alice.Agency,
		Status: catalog.Approved, At: time.Now().UTC()}
	if err := store.WriteAll(ctx, f.env.Tables.Catalog, []any{catalog.ClassKeyed(class), catalog.EnrollmentKeyed(enr)}, 1); err != nil {
		t.Fatal(err)
	}
	tr := records.Transfer{Catalog: catalog.Repo{Table: f.env.Tables.Catalog}, Records: f.recs, Now: f.env.Now}
	for range 2 {
		if _, err := tr.Run(ctx, class.End); err != nil {
			t.Fatal(err)
		}
	}
	classRec := records.OfClass(class, alice.ID, alice.Agency, time.Now())
	m.put(classRec)
	got, err := f.recs.OfClass(ctx, class.CourseCode, class.Session)
	if err != nil || len(got) != 1 || got[0].Nature != catalog.Blended || got[0].DigitalHours != 3 || got[0].PhysicalHours != 9 {
		t.Fatalf("transferred record %+v (%v): want the class's nature and split", got, err)
	}
	f.check(t, alice.ID, y, m.of(alice.ID, y), &alice) // awaiting hours: unchanged
	for _, hours := range []int{12, 12, 8} {
		if missing, err := f.recs.SetGrades(ctx, []records.Grade{{Record: &got[0], Hours: hours, Passed: true}}); err != nil || len(missing) != 0 {
			t.Fatalf("grade: %v %v", missing, err)
		}
		classRec.Hours, classRec.Passed, classRec.Status = hours, &yes, records.Final
		m.put(classRec)
		s := f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
		if hours == 8 && (s.DigitalHours != 3+2+2 || s.PhysicalHours != 4+2+6) {
			t.Fatalf("regraded blended 8 of 3+9: %+v", s)
		}
	}
	// A transfer run after grading keeps the grade.
	if _, err := tr.Run(ctx, class.End); err != nil {
		t.Fatal(err)
	}
	f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)

	// Listed under the agency and unit while it counts something.
	list, err := f.sums.OfAgency(ctx, alice.Agency, y, alice.Unit)
	if err != nil || len(list) != 1 || list[0].PersonID != alice.ID {
		t.Fatalf("summaries of %s/%s: %+v %v", alice.Agency, alice.Unit, list, err)
	}
	if other, err := f.sums.OfAgency(ctx, alice.Agency, y, "秘書室"); err != nil || len(other) != 0 {
		t.Fatalf("another unit lists %+v (%v)", other, err)
	}

	// Deleting records: the summary follows; deleting the last counted one
	// of a year zeroes it and takes it out of the agency's list.
	del := m.of(alice.ID, y-1)[0]
	if n, err := f.recs.Delete(ctx, []*records.Record{&upload[0], &del}); err != nil || n != 2 {
		t.Fatalf("delete: %d %v", n, err)
	}
	m.del(upload[0])
	m.del(del)
	f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
	if s := f.check(t, alice.ID, y-1, nil, &alice); s.Records != 0 || s.TotalHours != 0 {
		t.Fatalf("a year with no records left: %+v", s)
	}
	if list, err := f.sums.OfAgency(ctx, alice.Agency, y-1, ""); err != nil || len(list) != 0 {
		t.Fatalf("a zeroed summary is listed: %+v %v", list, err)
	}
	many, err := f.sums.GetMany(ctx, []string{alice.ID, "P-GONE", "P-NOBODY"}, y)
	if err != nil || len(many) != 2 || many[alice.ID].TotalHours != independent(m.of(alice.ID, y)).total {
		t.Fatalf("GetMany: %+v %v", many, err)
	}
}

// Many writers of one person's records at once: the summary ends exact.
func TestConcurrentWritersEndExact(t *testing.T) {
	f := start(t, alice)
	ctx := context.Background()
	const y, n = 2032, 48
	var all []records.Record
	for i := range n {
		nature := []string{"digital", "physical", "blended"}[i%3]
		d, p := 0, 0
		switch nature {
		case "digital":
			d = 1 + i%4
		case "physical":
			p = 1 + i%4
		default:
			d, p = 1, 1+i%4
		}
		status, passed := records.Final, &yes
		if i%7 == 0 {
			status = records.PendingReview
		}
		if i%11 == 0 {
			passed = &no
		}
		all = append(all, rec(alice.ID, y, fmt.Sprintf("B#%03d", i), status, passed, nature, d+p, d, p, fmt.Sprintf("1%d", i%5)))
	}
	var wg sync.WaitGroup
	errs := make(chan error, n+n/4)
	for i := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.recs.WriteRecords(ctx, all[i:i+1])
		}()
	}
	// Meanwhile every fourth is deleted again as soon as it is there.
	m := model{}
	m.put(all...)
	for i := 0; i < n; i += 4 {
		m.del(all[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := all[i]
			for {
				n, err := f.recs.Delete(ctx, []*records.Record{&r})
				if err != nil || n == 1 {
					errs <- err
					return
				}
				time.Sleep(time.Millisecond) // not written yet
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
}

// The nightly repair finds a wrong summary, a summary without records and a
// missing one, fixes them, and then finds nothing.
func TestRepairFindsAndFixesDrift(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 40})
	ctx := context.Background()
	sums := summary.Repo{Records: env.Tables.Records, People: staff.Repo{Table: env.Tables.Directory}, Now: env.Now}
	people := map[string]staff.Person{}
	for _, p := range env.Data.People {
		people[p.ID] = p
	}
	m := model{}
	m.put(env.Data.Records...)
	// The stream recomputes what the demo load wrote: drift planted before
	// it finished could be healed by it instead of the repair.
	env.WaitSummaries(t)
	// The demo load's summaries equal the independent computation.
	for k := range m {
		p := people[k.PersonID]
		check(t, sums, k.PersonID, k.Year, m.of(k.PersonID, k.Year), &p)
	}
	res, err := sums.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res != (summary.RepairResult{Segments: summary.RepairSegments, SegmentsDone: summary.RepairSegments, Checked: len(m)}) {
		t.Fatalf("repair of clean demo data: %+v, want %d checked and nothing drifted", res, len(m))
	}
	// Plant drift: a wrong summary, a summary without records, a missing one.
	var counted []records.PersonYear
	for k := range m {
		if independent(m.of(k.PersonID, k.Year)).records > 0 {
			counted = append(counted, k)
		}
	}
	if len(counted) < 2 {
		t.Fatal("the demo data has fewer than two person-years with counted records")
	}
	wrong, missing := counted[0], counted[1]
	s, _, err := sums.Get(ctx, wrong.PersonID, wrong.Year)
	if err != nil {
		t.Fatal(err)
	}
	s.TotalHours += 5
	s.Categories["999"] = 5
	orphan := summary.Summary{PersonID: env.Data.People[0].ID, Year: 2001, Agency: env.Data.People[0].Agency,
		Records: 1, TotalHours: 10, PhysicalHours: 10, Categories: map[string]int{"121": 10}}
	if err := store.WriteAll(ctx, env.Tables.Records, []any{summary.Keyed(s, 1), summary.Keyed(orphan, 1)}, 1); err != nil {
		t.Fatal(err)
	}
	if err := env.Tables.Records.Delete("pk", "PERSON#"+missing.PersonID).Range("sk", fmt.Sprintf("SUM#%d", missing.Year)).Run(ctx); err != nil {
		t.Fatal(err)
	}
	res, err = sums.Repair(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (summary.RepairResult{Segments: summary.RepairSegments, SegmentsDone: summary.RepairSegments, Checked: len(m) + 1, Drifted: 3, Fixed: 3}); res != want {
		t.Fatalf("repair: %+v, want %+v", res, want)
	}
	for _, k := range []records.PersonYear{wrong, missing} {
		p := people[k.PersonID]
		check(t, sums, k.PersonID, k.Year, m.of(k.PersonID, k.Year), &p)
	}
	if o, _, err := sums.Get(ctx, orphan.PersonID, 2001); err != nil || o.TotalHours != 0 || o.Records != 0 {
		t.Fatalf("the summary without records after repair: %+v %v", o, err)
	}
	if list, err := sums.OfAgency(ctx, orphan.Agency, 2001, ""); err != nil || len(list) != 0 {
		t.Fatalf("the repaired orphan is still listed: %+v %v", list, err)
	}
	res, err = sums.Repair(ctx)
	if err != nil || res != (summary.RepairResult{Segments: summary.RepairSegments, SegmentsDone: summary.RepairSegments, Checked: len(m) + 1}) {
		t.Fatalf("a second repair: %+v %v, want nothing drifted", res, err)
	}
	repairAcrossRuns(t, env, sums)

	// The deployed wiring: the nightly batch repairs (planted: one missing
	// summary again) and reports its counts.
	if err := env.Tables.Records.Delete("pk", "PERSON#"+missing.PersonID).Range("sk", fmt.Sprintf("SUM#%d", missing.Year)).Run(ctx); err != nil {
		t.Fatal(err)
	}
	out, err := env.Fire(ctx, "Nightly", nil)
	if err != nil {
		t.Fatal(err)
	}
	var nightly struct{ Summaries summary.RepairResult }
	if err := json.Unmarshal(out, &nightly); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if want := (summary.RepairResult{Segments: summary.RepairSegments, SegmentsDone: summary.RepairSegments, Checked: len(m) + 1, Drifted: 1, Fixed: 1}); nightly.Summaries != want {
		t.Fatalf("nightly batch: %s, want summaries %+v", out, want)
	}
	p := people[missing.PersonID]
	check(t, sums, missing.PersonID, missing.Year, m.of(missing.PersonID, missing.Year), &p)

	// The morning transfer (its function's wiring) keeps the summaries of
	// the records it writes: yesterday's learners get one (nothing counted yet).
	// Their summaries are removed first, so the transfer must write them.
	ended := map[string]int{}
	for _, c := range env.Data.Classes {
		if c.End == env.Day(-1) {
			ended[c.CourseCode+"#"+c.Session] = c.Year
		}
	}
	for _, e := range env.Data.Enrollments {
		if y, ok := ended[e.CourseCode+"#"+e.Session]; ok && e.Status == catalog.Approved {
			if err := env.Tables.Records.Delete("pk", "PERSON#"+e.PersonID).Range("sk", fmt.Sprintf("SUM#%d", y)).Run(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := env.Fire(ctx, "Morning", []byte(fmt.Sprintf(`{"date":%q}`, env.Day(-1)))); err != nil {
		t.Fatal(err)
	}
	env.WaitSummaries(t)
	transferred := 0
	for _, c := range env.Data.Classes {
		if c.End != env.Day(-1) {
			continue
		}
		got, err := (records.Repo{Table: env.Tables.Records}).OfClass(ctx, c.CourseCode, c.Session)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got {
			transferred++
			if _, found, err := sums.Get(ctx, r.PersonID, r.Year); err != nil || !found {
				t.Fatalf("no summary of %s/%d after the transfer (%v)", r.PersonID, r.Year, err)
			}
			if r.Nature != c.Nature || r.DigitalHours != c.DigitalHours || r.PhysicalHours != c.PhysicalHours {
				t.Fatalf("transferred %+v without the nature of its class %+v", r, c)
			}
		}
	}
	if transferred == 0 {
		t.Fatal("the demo data has no approved learners of classes that ended yesterday")
	}
}

// A recompute that read the records before another writer's record landed
// cannot overwrite the newer writer's summary: the other writer steps in
// between the slow recompute's Query and its write (storetest), so the
// write's version condition alone decides.
func TestStaleRecomputeCannotOverwriteNewer(t *testing.T) {
	f := start(t, alice)
	ctx := context.Background()
	const y = 2033
	first := rec(alice.ID, y, "B#1", records.Final, &yes, "digital", 3, 3, 0, "121")
	second := rec(alice.ID, y, "B#2", records.Final, &yes, "physical", 5, 0, 5, "132")
	if err := (records.Repo{Table: f.env.Tables.Records}).WriteRecords(ctx, []records.Record{first}); err != nil {
		t.Fatal(err)
	}
	f.env.WaitSummaries(t)
	// The slow recompute's UpdateItems: 1 takes its version, 2 writes its result.
	db := storetest.Racing(t, f.env.Getenv, storetest.Hook{Op: "UpdateItem", N: 2, Do: func() {
		if err := f.recs.WriteRecords(ctx, []records.Record{second}); err != nil {
			t.Error(err)
		}
		// The stream's recompute of the record just written, ahead of the slow one.
		if err := f.sums.Recompute(ctx, []records.PersonYear{{PersonID: alice.ID, Year: y}}); err != nil {
			t.Error(err)
		}
	}})
	slow := f.sums
	slow.Records = db.Table(f.env.Tables.Records.Name())
	if err := slow.Recompute(ctx, []records.PersonYear{{PersonID: alice.ID, Year: y}}); err != nil {
		t.Fatal(err)
	}
	m := model{}
	m.put(first, second)
	// Read before the stream's own recompute of the second record could
	// heal what the slow one wrote: the version condition alone decides.
	check(t, f.sums, alice.ID, y, m.of(alice.ID, y), &alice)
}
