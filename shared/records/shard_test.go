package records_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// An agency's records of a year are spread over AgencyShards gsi1 keys (a
// large upload of one agency must not write one key); paging through them
// with any page size and filter still gives every matching record exactly
// once, in sort-key order, and a one-person query reads one shard.
func TestAgencyRecordsAcrossShards(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	repo := records.Repo{Table: env.Tables.Records}
	passed := true
	var all []records.Record
	shards := map[string]bool{}
	for p := 0; p < 40; p++ {
		for k := 0; k < 3; k++ {
			r := records.Record{PersonID: fmt.Sprintf("P%03d", p), ID: fmt.Sprintf("B#%02d", k), Agency: "SHARD", Year: 2031,
				Source: records.SourceExternal, CourseName: fmt.Sprintf("課程%d", k), Category: []string{"511", "512", "61"}[p%3],
				Start: "2031-03-01", End: "2031-03-01", Hours: 2, Passed: &passed, Status: records.Final, Created: time.Now()}
			all = append(all, r)
			shards[records.AgencyKey(r.Agency, r.Year, r.PersonID)] = true
		}
	}
	if err := repo.WriteRecords(ctx, all); err != nil {
		t.Fatal(err)
	}
	if len(shards) < records.AgencyShards/2 {
		t.Fatalf("40 people fell on %d shards", len(shards))
	}
	key := func(r records.Record) string { return r.Category + "#" + r.PersonID + "#" + r.ID }
	for _, tc := range []struct {
		name  string
		f     records.AgencyFilter
		limit int
		want  func(records.Record) bool
	}{
		{"everything, pages of 7", records.AgencyFilter{}, 7, func(records.Record) bool { return true }},
		{"everything, one page", records.AgencyFilter{}, 500, func(records.Record) bool { return true }},
		// Pages larger than a shard's share: the merge must stop where the
		// first shard stopped, or it skips that shard's next records.
		{"everything, pages of 64", records.AgencyFilter{}, 64, func(records.Record) bool { return true }},
		{"a category, pages of 40", records.AgencyFilter{Category: "51"}, 40, func(r records.Record) bool { return r.Category != "61" }},
		{"a category, pages of 5", records.AgencyFilter{Category: "51"}, 5, func(r records.Record) bool { return r.Category != "61" }},
		{"one person", records.AgencyFilter{PersonID: "P007"}, 2, func(r records.Record) bool { return r.PersonID == "P007" }},
	} {
		var got []string
		after := ""
		for pages := 0; ; pages++ {
			if pages > 200 {
				t.Fatalf("%s: no end", tc.name)
			}
			recs, _, next, err := repo.OfAgency(ctx, "SHARD", 2031, tc.f, after, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) > tc.limit {
				t.Fatalf("%s: a page of %d", tc.name, len(recs))
			}
			for _, r := range recs {
				got = append(got, key(r))
			}
			if next == "" {
				break
			}
			after = next
		}
		var want []string
		for _, r := range all {
			if tc.want(r) {
				want = append(want, key(r))
			}
		}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d records paged (in order %v), want %d", tc.name, len(got), slices.IsSorted(got), len(want))
		}
	}
}
