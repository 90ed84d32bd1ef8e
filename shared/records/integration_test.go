package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type transfer struct {
	Date                      string
	Classes, Created, Existed int
}

type catchUp struct {
	Days    []transfer
	Through string
	More    bool
}

// scheduled runs the morning schedule as EventBridge does (input nil) or for
// one day ({"date":…}) and decodes its result.
func scheduled(t *testing.T, env *stacktest.Env, input []byte) catchUp {
	t.Helper()
	out, err := env.Fire(context.Background(), "Morning", input)
	if err != nil {
		t.Fatal(err)
	}
	var res catchUp
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return res
}

// fire transfers one day.
func fire(t *testing.T, env *stacktest.Env, date string) transfer {
	t.Helper()
	res := scheduled(t, env, []byte(fmt.Sprintf(`{"date":%q}`, date)))
	if len(res.Days) != 1 || res.Days[0].Date != date {
		t.Fatalf("a run for %s reported %+v", date, res)
	}
	return res.Days[0]
}

func TestRosterTransferCreatesEachRecordOnce(t *testing.T) {
	stacktest.EachClock(t, rosterTransferCreatesEachRecordOnce)
}

func rosterTransferCreatesEachRecordOnce(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 1000, Classes: 10, At: at})
	yesterday := env.Day(-1) // Taipei's yesterday, the day the morning transfer takes by default
	want := 0
	classes := map[string]bool{}
	for _, c := range env.Data.Classes {
		if c.End == yesterday {
			classes[c.CourseCode+"#"+c.Session] = true
		}
	}
	for _, e := range env.Data.Enrollments {
		if classes[e.CourseCode+"#"+e.Session] && e.Status == catalog.Approved {
			want++
		}
	}
	if want == 0 {
		t.Fatal("demo data has no approved enrollees of classes that ended yesterday")
	}
	first := fire(t, env, yesterday)
	if first.Created != want || first.Existed != 0 || first.Classes != len(classes) {
		t.Fatalf("first run %+v, want %d created in %d classes", first, want, len(classes))
	}
	// Each record carries the title and rank its learner holds in the directory.
	people := map[string]staff.Person{}
	for _, p := range env.Data.People {
		people[p.ID] = p
	}
	stamped := 0
	for code := range classes {
		cc, session, _ := strings.Cut(code, "#")
		recs, err := records.Repo{Table: env.Tables.Records}.OfClass(context.Background(), cc, session)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			p := people[r.PersonID]
			if r.Title != p.Title || r.Rank != p.Rank {
				t.Errorf("record of %s: title %q rank %q, want the directory's %q %q", r.PersonID, r.Title, r.Rank, p.Title, p.Rank)
			}
			if r.Title != "" {
				stamped++
			}
		}
	}
	if stamped == 0 {
		t.Error("no transferred record carries a title")
	}
	second := fire(t, env, yesterday)
	if second.Created != 0 || second.Existed != want {
		t.Fatalf("second run %+v, want nothing created", second)
	}
	// An interrupted run: some records were never written. The next run writes
	// exactly those.
	type key struct {
		PK string `dynamo:"pk"`
		SK string `dynamo:"sk"`
	}
	var recs []key // gsi2 projects keys only
	for code := range classes {
		var part []key
		if err := env.Tables.Records.Get("gsi2pk", "CLASS#"+code).Index("gsi2").All(context.Background(), &part); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, part...)
	}
	if len(recs) != want {
		t.Fatalf("records by class: %d, want %d", len(recs), want)
	}
	lost := min(2, want)
	for _, r := range recs[:lost] {
		if err := env.Tables.Records.Delete("pk", r.PK).Range("sk", r.SK).Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	third := fire(t, env, yesterday)
	if third.Created != lost || third.Existed != want-lost {
		t.Fatalf("after an interrupted run: %+v, want %d created", third, lost)
	}
	// The schedule's own first run (no date, no checkpoint) takes Taipei's
	// yesterday, then moves the checkpoint there; the next has nothing to do.
	def := scheduled(t, env, nil)
	if len(def.Days) != 1 || def.Days[0].Date != yesterday || def.Days[0].Created != 0 || def.Days[0].Existed != want || def.Through != yesterday {
		t.Fatalf("scheduled run %+v, want the day %s with its %d records existing", def, yesterday, want)
	}
	if again := scheduled(t, env, nil); len(again.Days) != 0 || again.Through != yesterday || again.More {
		t.Fatalf("a second scheduled run the same day: %+v", again)
	}
	if r := fire(t, env, "2001-01-01"); r.Classes != 0 || r.Created != 0 {
		t.Fatalf("a day without classes: %+v", r)
	}
	if _, err := env.Fire(context.Background(), "Morning", []byte(`{"date":"26/11/2026"}`)); err == nil {
		t.Fatal("a malformed date was accepted")
	}
}

// Days the schedule missed are caught up by its next run, each day once, and
// the checkpoint never moves back.
func TestRosterTransferCatchesUpMissedDays(t *testing.T) {
	stacktest.EachClock(t, rosterTransferCatchesUp)
}

func rosterTransferCatchesUp(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 600, Classes: 60, At: at})
	ctx := context.Background()
	repo := records.Repo{Table: env.Tables.Records}
	// The last run that finished was four days ago: three days were missed.
	if err := repo.SetCheckpoint(ctx, env.Day(-4), env.Now()); err != nil {
		t.Fatal(err)
	}
	// What each missed day must transfer, computed from the demo data.
	want := map[string]int{}
	classes := map[string]int{}
	for _, c := range env.Data.Classes {
		for d := -3; d <= -1; d++ {
			if c.End != env.Day(d) {
				continue
			}
			classes[c.End]++
			for _, e := range env.Data.Enrollments {
				if e.CourseCode == c.CourseCode && e.Session == c.Session && e.Status == catalog.Approved {
					want[c.End]++
				}
			}
		}
	}
	if want[env.Day(-1)] == 0 {
		t.Fatal("the demo has no approved enrollees of classes that ended yesterday")
	}
	// A run without the time for a whole day stops before it and says more remain.
	tr := records.Transfer{Catalog: catalog.Repo{Table: env.Tables.Catalog}, Records: repo, Now: env.Now}
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	res, err := tr.CatchUp(short, env.Day(-1), time.Minute)
	cancel()
	if err != nil || !res.More || len(res.Days) != 0 || res.Through != env.Day(-4) {
		t.Fatalf("catch-up with 10 s left and a minute to keep: %+v, %v", res, err)
	}
	got := scheduled(t, env, nil)
	if got.Through != env.Day(-1) || got.More || len(got.Days) != 3 {
		t.Fatalf("catch-up %+v, want the three days %s..%s", got, env.Day(-3), env.Day(-1))
	}
	for i, day := range got.Days {
		if day.Date != env.Day(i-3) || day.Classes != classes[day.Date] || day.Created+day.Existed != want[day.Date] {
			t.Errorf("day %s: %+v, want %d classes and %d records (demo records of earlier days already exist)",
				day.Date, day, classes[day.Date], want[day.Date])
		}
	}
	if got.Days[2].Created != want[env.Day(-1)] {
		t.Errorf("yesterday created %d, want %d", got.Days[2].Created, want[env.Day(-1)])
	}
	// An older day finishing late does not move the checkpoint back.
	if err := repo.SetCheckpoint(ctx, env.Day(-2), env.Now()); err != nil {
		t.Fatal(err)
	}
	if through, err := repo.Checkpoint(ctx); err != nil || through != env.Day(-1) {
		t.Fatalf("checkpoint %q after a late older day (%v), want %s", through, err, env.Day(-1))
	}
	// A run for a given day is a re-run: it creates nothing twice and leaves the checkpoint.
	if r := fire(t, env, env.Day(-1)); r.Created != 0 || r.Existed != want[env.Day(-1)] {
		t.Fatalf("re-run of yesterday: %+v", r)
	}
}
