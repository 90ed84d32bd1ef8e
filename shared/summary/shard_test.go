package summary_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// An agency's summaries of a year are spread over IndexShards gsi1 keys by
// person (a large upload recomputes a summary per person it names); paging
// through them with any page size and unit still gives every indexed
// summary exactly once, in unit-then-person order, and OfAgency gives the
// whole agency. A page size above a shard's share catches a merge that
// ignores where the first shard stopped (it would skip that shard's next
// summaries); reading fewer shards than written loses summaries.
func TestAgencySummariesAcrossShards(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	repo := summary.Repo{Records: env.Tables.Records, People: staff.Repo{Table: env.Tables.Directory}, Now: env.Now}
	const agency, year = "SHARD", 2031
	units := []string{"人事室", "秘書室", "資訊室"}
	var items []any
	var all []summary.Summary
	shards := map[string]bool{}
	for p := range 120 {
		s := summary.Summary{PersonID: fmt.Sprintf("P%03d", p), Year: year, Agency: agency, Unit: units[p%3],
			Records: 1, TotalHours: p + 1, PhysicalHours: p + 1, Categories: map[string]int{"121": p + 1}}
		if p%10 == 9 {
			s.Records, s.TotalHours, s.PhysicalHours, s.Categories = 0, 0, 0, nil // zeroed: out of the index
		} else {
			all = append(all, s)
			shards[summary.IndexKey(agency, year, s.PersonID)] = true
		}
		items = append(items, summary.Keyed(s, 1))
	}
	// A dense block: one unit (first in sort order) whose 30 people share one
	// shard, so that shard's share of a large page ends inside the unit while
	// the other shards read on into later units.
	dense := summary.IndexKey(agency, year, "D000")
	for i, n := 0, 0; n < 30; i++ {
		id := fmt.Sprintf("D%03d", i)
		if summary.IndexKey(agency, year, id) != dense {
			continue
		}
		n++
		s := summary.Summary{PersonID: id, Year: year, Agency: agency, Unit: "一課", Records: 1, TotalHours: 1, PhysicalHours: 1}
		all = append(all, s)
		items = append(items, summary.Keyed(s, 1))
	}
	// Another agency and another year on the same index must not leak in.
	other := summary.Summary{PersonID: "P000", Year: year - 1, Agency: agency, Unit: units[0], Records: 1, TotalHours: 1}
	items = append(items, summary.Keyed(other, 1), summary.Keyed(summary.Summary{PersonID: "Q000", Year: year, Agency: "OTHER",
		Unit: units[0], Records: 1, TotalHours: 1}, 1))
	if err := store.WriteAll(ctx, env.Tables.Records, items, 4); err != nil {
		t.Fatal(err)
	}
	if len(shards) < summary.IndexShards/2 {
		t.Fatalf("108 people fell on %d shards", len(shards))
	}
	// The stream's recompute writes the same sharded key as the bulk writer.
	recs := records.Repo{Table: env.Tables.Records}
	passed := true
	extra := records.Record{PersonID: "P999", ID: "B#1", Agency: agency, Year: year, Source: records.SourceExternal,
		CourseName: "課程", Category: "121", Start: "2031-03-01", End: "2031-03-01", Hours: 2, Passed: &passed, Status: records.Final}
	if err := recs.WriteRecords(ctx, []records.Record{extra}); err != nil {
		t.Fatal(err)
	}
	env.WaitSummaries(t)
	var raw struct {
		GSI1PK string `dynamo:"gsi1pk"`
	}
	if err := env.Tables.Records.Get("pk", "PERSON#P999").Range("sk", dynamo.Equal, "SUM#2031").One(ctx, &raw); err != nil {
		t.Fatal(err)
	}
	if want := summary.IndexKey(agency, year, "P999"); raw.GSI1PK != want {
		t.Fatalf("a recomputed summary's index key %q, want %q", raw.GSI1PK, want)
	}
	all = append(all, summary.Summary{PersonID: "P999", Unit: ""}) // not in the directory: no unit

	key := func(s summary.Summary) string { return s.Unit + "#" + s.PersonID }
	want := func(unit string) []string {
		var out []string
		for _, s := range all {
			if unit == "" || s.Unit == unit {
				out = append(out, key(s))
			}
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		name, unit string
		limit      int
	}{
		{"everything, pages of 7", "", 7},
		{"everything, one page", "", 500},
		{"everything, pages of 64", "", 64},
		{"a unit, pages of 5", "秘書室", 5},
		{"a unit, pages of 30", "秘書室", 30},
		{"the dense unit, pages of 12", "一課", 12},
		{"the last unit, pages of 4", "資訊室", 4},
	} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 200 {
				t.Fatalf("%s: no end", tc.name)
			}
			page, next, err := repo.Page(ctx, agency, year, tc.unit, after, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > tc.limit {
				t.Fatalf("%s: a page of %d", tc.name, len(page))
			}
			for _, s := range page {
				got = append(got, key(s))
			}
			if next == "" {
				break
			}
			after = next
		}
		if w := want(tc.unit); !slices.Equal(got, w) {
			t.Errorf("%s: %d summaries paged (in order %v), want %d", tc.name, len(got), slices.IsSorted(got), len(w))
		}
	}
	// A cursor from another unit: before the unit reads it from its start,
	// past it reads nothing.
	if page, next, err := repo.Page(ctx, agency, year, "秘書室", "一課#D000", 500); err != nil || len(page) != len(want("秘書室")) || next != "" {
		t.Errorf("a cursor before the unit: %d summaries, next %q (%v), want %d", len(page), next, err, len(want("秘書室")))
	}
	if page, next, err := repo.Page(ctx, agency, year, "秘書室", "資訊室#P002", 500); err != nil || len(page) != 0 || next != "" {
		t.Errorf("a cursor past the unit: %d summaries, next %q (%v), want none", len(page), next, err)
	}
	for _, unit := range []string{"", "人事室"} {
		list, err := repo.OfAgency(ctx, agency, year, unit)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range list {
			got = append(got, key(s))
		}
		if w := want(unit); !slices.Equal(got, w) {
			t.Errorf("OfAgency(%q): %d summaries (in order %v), want %d", unit, len(got), slices.IsSorted(got), len(w))
		}
	}
}
