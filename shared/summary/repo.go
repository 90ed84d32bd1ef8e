package summary

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// People finds directory entries by person id (staff.Repo).
type People interface {
	GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error)
}

// Repo reads and writes summaries in the Records table, beside the records
// they sum (pk PERSON#<id>, sk SUM#<year>); profiles come from People.
type Repo struct {
	Records dynamo.Table
	People  People
	Now     func() time.Time
	Workers int // person-years recomputed at once; 0 means 8
}

// Keys of a summary item and of its sparse index entry (gsi1 of the Records
// table: an agency's summaries of a year, by unit and person).
func pk(personID string) string { return "PERSON#" + personID }
func sk(year int) string        { return "SUM#" + strconv.Itoa(year) }

// IndexShards is how many gsi1 keys an agency's summaries of a year are
// spread over, by person (as its records are: records.AgencyShards): a
// one-agency upload of a million rows recomputes the summaries of every
// person it names, and one key takes about 1,000 writes a second.
const IndexShards = 8

// IndexKey is the gsi1 key of the summary of personID in agency and year.
func IndexKey(agency string, year int, personID string) string {
	return indexShardKey(agency, year, store.Shard(personID, IndexShards))
}

func indexShardKey(agency string, year, shard int) string {
	return fmt.Sprintf("SUMMARY#%s#%d#%d", agency, year, shard)
}

// indexKeys are every gsi1 key of an agency's summaries of a year.
func indexKeys(agency string, year int) []string {
	out := make([]string, IndexShards)
	for i := range out {
		out[i] = indexShardKey(agency, year, i)
	}
	return out
}

// indexSK is the gsi1 sort key of a summary: by unit, then person.
func indexSK(s Summary) string { return s.Unit + "#" + s.PersonID }

type item struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk,omitempty"` // only while Records > 0: zeroed summaries stay out of the index
	GSI1SK string `dynamo:"gsi1sk,omitempty"`
	WVer   int64  `dynamo:"wver"` // recomputes started
	CVer   int64  `dynamo:"cver"` // the recompute whose result this is
	Summary
}

// Keyed is the item of s as written by a recompute of version v (demo loads
// write with v = 1; a later recompute starts above the stored wver).
func Keyed(s Summary, v int64) any {
	it := item{PK: pk(s.PersonID), SK: sk(s.Year), WVer: v, CVer: v, Summary: s}
	if s.Records > 0 {
		it.GSI1PK, it.GSI1SK = IndexKey(s.Agency, s.Year, s.PersonID), indexSK(s)
	}
	return it
}

func (r Repo) workers() int {
	if r.Workers > 0 {
		return r.Workers
	}
	return 8
}

func (r Repo) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Recompute recomputes the summaries of keys (duplicates are done once),
// Workers at a time (the nightly repair; Stream recomputes per person-year).
//
// Each recompute first takes a version (ADD wver), then reads the records
// (a consistent Query), then writes the summary only if no recompute with a
// higher version wrote before it (cver < version). Whatever the interleaving
// of writers, the recompute with the highest version read every record
// written before any recompute began, and no older one can overwrite it.
// A person-year with no counted record is zeroed, not deleted: deleting would
// drop cver, and a slower, older recompute could then write stale hours.
func (r Repo) Recompute(ctx context.Context, keys []records.PersonYear) error {
	keys = dedupe(keys)
	if len(keys) == 0 {
		return nil
	}
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.PersonID
	}
	people, err := r.People.GetMany(ctx, ids)
	if err != nil {
		return fmt.Errorf("summaries: %w", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.workers())
	for _, k := range keys {
		g.Go(func() error {
			_, err := r.recompute(gctx, k, people)
			return err
		})
	}
	return g.Wait()
}

func dedupe(keys []records.PersonYear) []records.PersonYear {
	seen := make(map[records.PersonYear]bool, len(keys))
	out := make([]records.PersonYear, 0, len(keys))
	for _, k := range keys {
		if !seen[k] && k.PersonID != "" {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// recompute does one person-year; it reports whether its result was written
// (false: a newer recompute already wrote).
func (r Repo) recompute(ctx context.Context, k records.PersonYear, people map[string]staff.Person) (bool, error) {
	var ver struct {
		WVer int64 `dynamo:"wver"`
	}
	if err := r.Records.Update("pk", pk(k.PersonID)).Range("sk", sk(k.Year)).Add("wver", 1).Value(ctx, &ver); err != nil {
		return false, fmt.Errorf("summary %s/%d: version: %w", k.PersonID, k.Year, err)
	}
	var recs []records.Record
	err := r.Records.Get("pk", pk(k.PersonID)).Range("sk", dynamo.BeginsWith, fmt.Sprintf("REC#%d#", k.Year)).
		Consistent(true).All(ctx, &recs)
	if err != nil {
		return false, fmt.Errorf("summary %s/%d: records: %w", k.PersonID, k.Year, err)
	}
	var p *staff.Person
	if pp, ok := people[k.PersonID]; ok {
		p = &pp
	}
	s := Compute(k.PersonID, k.Year, recs, p, r.now())
	u := r.Records.Update("pk", pk(k.PersonID)).Range("sk", sk(k.Year)).
		Set("personId", s.PersonID).Set("year", s.Year).Set("agency", s.Agency).Set("unit", s.Unit).
		Set("personnelCategory", s.PersonnelCategory).Set("rank", s.Rank).Set("title", s.Title).
		Set("gender", s.Gender).Set("inDir", s.InDirectory).Set("records", s.Records).
		Set("totalHours", s.TotalHours).Set("digitalHours", s.DigitalHours).Set("physicalHours", s.PhysicalHours).
		Set("computed", s.Computed).Set("cver", ver.WVer)
	if len(s.Categories) > 0 {
		u = u.Set("categories", s.Categories)
	} else {
		u = u.Remove("categories")
	}
	if s.Records > 0 {
		u = u.Set("gsi1pk", IndexKey(s.Agency, s.Year, s.PersonID)).Set("gsi1sk", indexSK(s))
	} else {
		u = u.Remove("gsi1pk", "gsi1sk")
	}
	err = u.If("attribute_not_exists(cver) OR cver < ?", ver.WVer).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return false, nil // a newer recompute wrote first: its result stands
	}
	if err != nil {
		return false, fmt.Errorf("summary %s/%d: write: %w", k.PersonID, k.Year, err)
	}
	return true, nil
}

// Get returns a person's summary of a year; found is false when there is
// none (0 hours).
func (r Repo) Get(ctx context.Context, personID string, year int) (s Summary, found bool, err error) {
	var it item
	err = r.Records.Get("pk", pk(personID)).Range("sk", dynamo.Equal, sk(year)).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Summary{PersonID: personID, Year: year}, false, nil
	}
	if err != nil {
		return s, false, fmt.Errorf("summary %s/%d: %w", personID, year, err)
	}
	return it.Summary, true, nil
}

// GetMany returns the summaries of people in a year, keyed by person id;
// people without one are absent (0 hours).
func (r Repo) GetMany(ctx context.Context, personIDs []string, year int) (map[string]Summary, error) {
	keys := make([]dynamo.Keyed, 0, len(personIDs))
	seen := map[string]bool{}
	for _, id := range personIDs {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, dynamo.Keys{pk(id), sk(year)})
		}
	}
	items, err := store.GetMany[item](ctx, r.Records, keys)
	if err != nil {
		return nil, fmt.Errorf("summaries of %d people in %d: %w", len(keys), year, err)
	}
	out := make(map[string]Summary, len(items))
	for _, it := range items {
		out[it.PersonID] = it.Summary
	}
	return out, nil
}

// OfAgency returns the summaries of an agency's people in a year with at
// least one counted record, by unit then person (unit "" for every unit,
// else that unit's only): every shard of gsi1, read in parallel and merged
// (Page, each shard read up to the store's scan bound per round). People with
// no counted record have no entry: 0 hours. The agency is the person's when
// the summary was computed.
func (r Repo) OfAgency(ctx context.Context, agency string, year int, unit string) ([]Summary, error) {
	var out []Summary
	for after := ""; ; {
		page, next, err := r.Page(ctx, agency, year, unit, after, wholeRound)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// wholeRound is the page OfAgency asks for: large enough that each shard's
// share exceeds what one round reads of it (store.FilteredPage's bound), so
// a round ends where the first shard stopped, and what the shards read past
// that key is all that is read twice.
const wholeRound = 1 << 16

// Page pages an agency's summaries of a year (unit as OfAgency) after the
// index sort key after ("" from the start), in sort-key order: at most limit
// and the key to continue from ("" at the end). The shards are read in
// parallel and merged (store.ShardedPage): a page may be short, never skips.
func (r Repo) Page(ctx context.Context, agency string, year int, unit, after string, limit int) ([]Summary, string, error) {
	switch {
	case unit != "" && after < unit+"#":
		after = "" // a cursor before the unit: the unit from its start
	case unit != "" && after >= unit+"$":
		return nil, "", nil // a cursor past the unit: nothing after it
	}
	items, next, err := store.ShardedPage(ctx, indexKeys(agency, year), func(pk, after string) *dynamo.Query {
		q := r.Records.Get("gsi1pk", pk).Index("gsi1")
		switch {
		case unit != "" && after != "":
			// After the cursor within the unit: "$" is the byte after "#",
			// and no sort key (unit#person) equals unit+"$".
			q = q.Range("gsi1sk", dynamo.Between, after+"\x00", unit+"$")
		case unit != "":
			q = q.Range("gsi1sk", dynamo.BeginsWith, unit+"#")
		case after != "":
			q = q.Range("gsi1sk", dynamo.Greater, after)
		}
		return q
	}, "gsi1sk", func(it item) string { return it.GSI1SK }, after, limit)
	if err != nil {
		return nil, "", fmt.Errorf("summaries of %s in %d: %w", agency, year, err)
	}
	out := make([]Summary, 0, len(items))
	for _, it := range items {
		if unit != "" && it.Unit != unit { // begins_with("A#") cannot match a longer unit, but be exact
			continue
		}
		out = append(out, it.Summary)
	}
	return out, next, nil
}

// yearOf reads the year of a record or summary sort key.
func yearOf(sortKey string) (int, bool) {
	rest, ok := strings.CutPrefix(sortKey, "REC#")
	if !ok {
		if rest, ok = strings.CutPrefix(sortKey, "SUM#"); !ok {
			return 0, false
		}
		y, err := strconv.Atoi(rest)
		return y, err == nil
	}
	ys, _, ok := strings.Cut(rest, "#")
	if !ok {
		return 0, false
	}
	y, err := strconv.Atoi(ys)
	return y, err == nil
}

// Bulk computes the summaries of records from an in-memory set (the demo
// loader: no read per person-year), with profiles from people.
func Bulk(recs []records.Record, people map[string]staff.Person, now time.Time) []Summary {
	groups := map[records.PersonYear][]records.Record{}
	for _, r := range recs {
		k := records.PersonYear{PersonID: r.PersonID, Year: r.Year}
		groups[k] = append(groups[k], r)
	}
	out := make([]Summary, 0, len(groups))
	for k, rs := range groups {
		var p *staff.Person
		if pp, ok := people[k.PersonID]; ok {
			p = &pp
		}
		out = append(out, Compute(k.PersonID, k.Year, rs, p, now))
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].PersonID != out[j].PersonID {
			return out[i].PersonID < out[j].PersonID
		}
		return out[i].Year < out[j].Year
	})
	return out
}
