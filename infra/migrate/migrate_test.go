package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/store"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

const agency, year = "MIG", 2031

// old writes items of the current shape changed to what the code before
// issue 19 wrote: edit gets each item as stored and changes it in place.
func old(t *testing.T, table dynamo.Table, edit func(dynamo.Item), items ...any) {
	t.Helper()
	var raw []any
	for _, it := range items {
		av, err := dynamo.MarshalItem(it)
		if err != nil {
			t.Fatal(err)
		}
		edit(av)
		raw = append(raw, av)
	}
	if err := store.WriteAll(context.Background(), table, raw, 2); err != nil {
		t.Fatal(err)
	}
}

func str(s string) *types.AttributeValueMemberS { return &types.AttributeValueMemberS{Value: s} }

// oldClass is the class item of c as written before SEATS and FRONT#<n>:
// its count on itself (none when enrolled < 0, as omitempty wrote 0), one
// front-stage key.
func oldClass(c catalog.Class, enrolled int) func(dynamo.Item) {
	return func(av dynamo.Item) {
		if enrolled >= 0 {
			av["enrolled"] = &types.AttributeValueMemberN{Value: fmt.Sprint(enrolled)}
		}
		if _, ok := av["gsi3pk"]; ok {
			av["gsi3pk"] = str("FRONT")
		}
	}
}

func class(code, status string) catalog.Class {
	return catalog.Class{CourseCode: code, Session: "1", Name: "遷移班 " + code, Agency: agency, Category: "121",
		Nature: catalog.Physical, Method: catalog.Open, Start: "2098-06-01", End: "2098-06-30", Hours: 6,
		Capacity: 30, Location: "臺北", Year: 2098, Status: status, Created: time.Now().UTC()}
}

type fixture struct {
	env      *stacktest.Env
	classes  catalog.Repo
	recs     records.Repo
	sums     summary.Repo
	migrate  func(t *testing.T) string // the command, as make migrate runs it; its output
	oldCount map[string]int            // class key: seats taken (on the old class item and any seat item)
	recIDs   []string                  // person#id of every record written
	sumIDs   []string                  // person of every counted summary written
}

// start writes old-shaped classes, records and summaries beside a class
// already of the new shape (and its seats).
func start(t *testing.T) *fixture {
	t.Helper()
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	f := &fixture{env: env, classes: catalog.Repo{Table: env.Tables.Catalog, DB: env.Tables.DB},
		recs: records.Repo{Table: env.Tables.Records}, sums: summary.Repo{Records: env.Tables.Records},
		oldCount: map[string]int{}}
	f.migrate = func(t *testing.T) string {
		t.Helper()
		var out bytes.Buffer
		err := run(context.Background(), []string{"-endpoint", env.Getenv(settings.DynamoDBEndpoint),
			"-catalog", env.Tables.Catalog.Name(), "-records", env.Tables.Records.Name(), "-segments", "3"}, env.Getenv, &out)
		if err != nil {
			t.Fatalf("migrate: %v (%s)", err, out.String())
		}
		return out.String()
	}
	for i, n := range []int{5, -1, 3, 0, 17, 1} {
		c := class(fmt.Sprintf("MIG%02d", i), "")
		if i == 2 {
			c.Status = catalog.Cancelled // off the front stage, but its count moves
		}
		old(t, env.Tables.Catalog, oldClass(c, n), catalog.ClassKeyed(c))
		f.oldCount[c.Key()] = max(n, 0)
		if i == 5 { // deployed before the migration ran: two enrollments already on a seat item
			c.Enrolled = 2
			if err := store.WriteAll(context.Background(), env.Tables.Catalog, []any{catalog.SeatsKeyed(c)}, 1); err != nil {
				t.Fatal(err)
			}
			f.oldCount[c.Key()] += 2
		}
	}
	// A class whose count is already on its seat item stays as it is.
	fresh := class("NEW00", "")
	fresh.Enrolled = 4
	if err := store.WriteAll(context.Background(), env.Tables.Catalog, []any{catalog.ClassKeyed(fresh), catalog.SeatsKeyed(fresh)}, 1); err != nil {
		t.Fatal(err)
	}
	f.oldCount[fresh.Key()] = 4

	passed := true
	var recs, sums []any
	for p := range 30 {
		person := fmt.Sprintf("P%03d", p)
		for k := range 2 {
			r := records.Record{PersonID: person, ID: fmt.Sprintf("B#%d", k), Agency: agency, Year: year, Source: records.SourceExternal,
				CourseName: "課程", Category: "121", Start: "2031-03-01", End: "2031-03-01", Hours: 2, Passed: &passed,
				Status: records.Final, Created: time.Now().UTC()}
			recs = append(recs, records.Keyed(r))
			f.recIDs = append(f.recIDs, person+"#"+r.ID)
		}
		sums = append(sums, summary.Keyed(summary.Summary{PersonID: person, Year: year, Agency: agency, Unit: "人事室",
			Records: 2, TotalHours: 4, PhysicalHours: 4, Categories: map[string]int{"121": 4}}, 1))
		f.sumIDs = append(f.sumIDs, person)
	}
	old(t, env.Tables.Records, func(av dynamo.Item) {
		if strings.HasPrefix(av["sk"].(*types.AttributeValueMemberS).Value, "SUM#") {
			av["gsi1pk"] = str(fmt.Sprintf("SUMMARY#%s#%d", agency, year))
		} else {
			av["gsi1pk"] = str(fmt.Sprintf("AGENCY#%s#%d", agency, year))
		}
	}, append(recs, sums...)...)
	slices.Sort(f.recIDs)
	return f
}

// front lists the front stage's classes as class key: seats taken.
func (f *fixture) front(t *testing.T) map[string]int {
	t.Helper()
	p, err := f.classes.FrontPage(context.Background(), f.env.Now(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, c := range p.Items {
		out[c.Key()] = c.Enrolled
	}
	return out
}

// agencyRecords pages the agency's records as person#id.
func (f *fixture) agencyRecords(t *testing.T) []string {
	t.Helper()
	var out []string
	for after := ""; ; {
		recs, _, next, err := f.recs.OfAgency(context.Background(), agency, year, records.AgencyFilter{}, after, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			out = append(out, r.PersonID+"#"+r.ID)
		}
		if next == "" {
			return out
		}
		after = next
	}
}

func (f *fixture) agencySummaries(t *testing.T) []string {
	t.Helper()
	list, err := f.sums.OfAgency(context.Background(), agency, year, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.PersonID)
	}
	return out
}

// Data written before the re-keys is invisible to the current readers; the
// migration brings every item to the current shape (seat counts exact, the
// new-shaped class untouched) so the front-stage list, an agency's records
// and its summaries read it, and a second run finds nothing to do.
func TestMigrateOldShapes(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	if got := f.front(t); len(got) != 1 {
		t.Fatalf("before the migration the front stage lists %v, want only the new-shaped class", got)
	}
	if got := f.agencyRecords(t); len(got) != 0 {
		t.Fatalf("before the migration the agency's records list %d", len(got))
	}

	if out, want := f.migrate(t), (Result{Seats: 5, Front: 5, Records: 60, Summaries: 30}).String(); !strings.Contains(out, want) {
		t.Fatalf("first run: %q, want %q", out, want)
	}
	if out, want := f.migrate(t), (Result{}).String(); !strings.Contains(out, want) {
		t.Fatalf("second run: %q, want %q", out, want)
	}

	front := f.front(t)
	for key, n := range f.oldCount {
		if key == catalog.ClassKey("MIG02", "1") {
			if _, listed := front[key]; listed {
				t.Errorf("the cancelled class is on the front stage")
			}
			c, err := f.classes.Get(ctx, "MIG02", "1")
			if err != nil || c.Enrolled != n {
				t.Errorf("cancelled class: enrolled %d (%v), want %d", c.Enrolled, err, n)
			}
			continue
		}
		if got, listed := front[key]; !listed || got != n {
			t.Errorf("front stage: %s listed %v with %d seats taken, want %d", key, listed, got, n)
		}
	}
	var left []string
	if err := f.env.Tables.Catalog.Scan().Filter("attribute_exists($) AND $ = ?", "enrolled", "sk", "CLASS").Project("pk").All(ctx, &left); err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("class items still counting: %v", left)
	}
	if got := f.agencyRecords(t); !slices.Equal(got, f.recIDs) {
		t.Errorf("the agency's records after the migration: %d (%v), want %d", len(got), got, len(f.recIDs))
	}
	if got := f.agencySummaries(t); !slices.Equal(got, f.sumIDs) {
		t.Errorf("the agency's summaries after the migration: %v, want %v", got, f.sumIDs)
	}
}

// A run that dies midway (its context cancelled before its second seat
// move) leaves each item either old or new, never half-moved; the next run
// finishes, and no seat count is added twice.
func TestMigrationResumesAfterACrash(t *testing.T) {
	f := start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storetest.Racing(t, f.env.Getenv, storetest.Hook{Op: "TransactWriteItems", N: 2, Do: cancel})
	crashed := Migration{DB: db, Catalog: db.Table(f.env.Tables.Catalog.Name()), Records: db.Table(f.env.Tables.Records.Name()), Segments: 1, Workers: 1}
	res, err := crashed.Run(ctx)
	if err == nil {
		t.Fatalf("the cancelled run ended without an error: %s", res)
	}
	if res.Seats < 1 || res.Seats >= 5 {
		t.Fatalf("the cancelled run moved %d of 5 seat counts, want it to stop midway", res.Seats)
	}
	f.migrate(t)
	if out, want := f.migrate(t), (Result{}).String(); !strings.Contains(out, want) {
		t.Fatalf("a run after the finishing one: %q, want %q", out, want)
	}
	front := f.front(t)
	for key, n := range f.oldCount {
		if got, listed := front[key]; listed && got != n {
			t.Errorf("%s: %d seats taken, want %d", key, got, n)
		}
	}
	if c, err := f.classes.Get(context.Background(), "MIG02", "1"); err != nil || c.Enrolled != 3 {
		t.Errorf("cancelled class: enrolled %d (%v), want 3", c.Enrolled, err)
	}
	if got := f.agencyRecords(t); !slices.Equal(got, f.recIDs) {
		t.Errorf("the agency's records: %d, want %d", len(got), len(f.recIDs))
	}
}

// Each step's write is conditional on the old shape it read: a write of the
// running system between its read and its write wins (storetest puts it
// exactly there), and the step leaves that item as the newer write made it.
func TestMigrationNeverOverwritesNewerWrites(t *testing.T) {
	f := start(t)
	ctx := context.Background()
	cat, recTable := f.env.Tables.Catalog, f.env.Tables.Records
	racingMigration := func(t *testing.T, op string, do func()) Migration {
		db := storetest.Racing(t, f.env.Getenv, storetest.Hook{Op: op, N: 1, Do: do})
		return Migration{DB: db, Catalog: db.Table(cat.Name()), Records: db.Table(recTable.Name())}
	}
	gsi1 := func(t *testing.T, pk, sk string) string {
		var it struct {
			GSI1PK string `dynamo:"gsi1pk"`
		}
		if err := recTable.Get("pk", pk).Range("sk", dynamo.Equal, sk).Consistent(true).One(ctx, &it); err != nil {
			t.Fatal(err)
		}
		return it.GSI1PK
	}

	t.Run("an enrollment counted on the class item by the old code", func(t *testing.T) {
		key := catalog.ClassKey("MIG00", "1")
		m := racingMigration(t, "TransactWriteItems", func() {
			if err := cat.Update("pk", key).Range("sk", "CLASS").Add("enrolled", 1).Run(ctx); err != nil {
				t.Error(err)
			}
		})
		if o, err := m.seats(ctx, key); err != nil || o != moved {
			t.Fatalf("seats: %v %v", o, err)
		}
		if c, err := f.classes.Get(ctx, "MIG00", "1"); err != nil || c.Enrolled != f.oldCount[key]+1 {
			t.Fatalf("seats taken %d (%v), want the %d read and the one counted meanwhile", c.Enrolled, err, f.oldCount[key])
		}
	})
	t.Run("a class cancelled", func(t *testing.T) {
		key := catalog.ClassKey("MIG01", "1")
		m := racingMigration(t, "UpdateItem", func() {
			if err := cat.Update("pk", key).Range("sk", "CLASS").Set("status", catalog.Cancelled).Remove("gsi3pk", "gsi3sk").Run(ctx); err != nil {
				t.Error(err)
			}
		})
		if o, err := m.front(ctx, key); err != nil || o != left {
			t.Fatalf("front: %v %v", o, err)
		}
		if _, listed := f.front(t)[key]; listed {
			t.Fatal("a class cancelled meanwhile is back on the front stage")
		}
	})
	t.Run("a record rewritten under another agency", func(t *testing.T) {
		passed := true
		r := records.Record{PersonID: "P000", ID: "B#0", Agency: "MOVED", Year: year, Source: records.SourceExternal,
			CourseName: "課程", Category: "121", Start: "2031-03-01", End: "2031-03-01", Hours: 2, Passed: &passed, Status: records.Final}
		m := racingMigration(t, "UpdateItem", func() {
			if err := f.recs.WriteRecords(ctx, []records.Record{r}); err != nil {
				t.Error(err)
			}
		})
		row := indexRow{PK: "PERSON#P000", SK: "REC#2031#B#0", GSI1PK: oldAgencyKey(agency, year), Agency: agency, Year: year, PersonID: "P000"}
		if o, err := m.reindex(ctx, row); err != nil || o != left {
			t.Fatalf("reindex: %v %v", o, err)
		}
		if got, want := gsi1(t, row.PK, row.SK), records.AgencyKey("MOVED", year, "P000"); got != want {
			t.Fatalf("index key %q, want the rewrite's %q", got, want)
		}
	})
	t.Run("a summary zeroed", func(t *testing.T) {
		m := racingMigration(t, "UpdateItem", func() {
			if err := recTable.Update("pk", "PERSON#P001").Range("sk", "SUM#2031").Set("records", 0).Remove("gsi1pk", "gsi1sk").Run(ctx); err != nil {
				t.Error(err)
			}
		})
		row := indexRow{PK: "PERSON#P001", SK: "SUM#2031", GSI1PK: oldSummaryKey(agency, year), Agency: agency, Year: year, PersonID: "P001"}
		if o, err := m.reindex(ctx, row); err != nil || o != left {
			t.Fatalf("reindex: %v %v", o, err)
		}
		if got := gsi1(t, row.PK, row.SK); got != "" {
			t.Fatalf("a zeroed summary is indexed again under %q", got)
		}
	})
}
