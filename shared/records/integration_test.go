package records_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type transfer struct {
	Date                      string
	Classes, Created, Existed int
}

func fire(t *testing.T, env *stacktest.Env, date string) transfer {
	t.Helper()
	out, err := env.Fire(context.Background(), "Morning", []byte(fmt.Sprintf(`{"date":%q}`, date)))
	if err != nil {
		t.Fatal(err)
	}
	var res transfer
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return res
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
	// The schedule's own run (no date given) takes Taipei's yesterday.
	out, err := env.Fire(context.Background(), "Morning", nil)
	if err != nil {
		t.Fatal(err)
	}
	var def transfer
	if err := json.Unmarshal(out, &def); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	if def.Date != yesterday || def.Created != 0 || def.Existed != want {
		t.Fatalf("scheduled run %+v, want the day %s with its %d records existing", def, yesterday, want)
	}
	if r := fire(t, env, "2001-01-01"); r.Classes != 0 || r.Created != 0 {
		t.Fatalf("a day without classes: %+v", r)
	}
	if _, err := env.Fire(context.Background(), "Morning", []byte(`{"date":"26/11/2026"}`)); err == nil {
		t.Fatal("a malformed date was accepted")
	}
}
