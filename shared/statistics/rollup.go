package statistics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Rollups are the figures the nightly batch computes (issue 17, 「統計時間」),
// in the Directory table: per agency and year, the figures of its own staff
// (sk OWN) and the sum over the non-enterprise agencies of its subtree (sk
// TREE: P8, P9 and R3 含所屬機關); the national sum over the top-level
// agencies' TREE items is one more item (agency NATIONAL). Each holds the
// figures as compact JSON, a few KB (bounded by the tables: requirements of
// a year × 2 numbers, personnel categories × major groups × 3, top-level
// categories × 2, levels × decision-making categories × 2).
type Rollups struct{ Table dynamo.Table }

// Rollup kinds.
const (
	Own  = "OWN"
	Tree = "TREE"
	// National is the agency code of the national sum (no agency code is 8 characters).
	National = "NATIONAL"
)

// Rollup is the stored figures of an agency (or the nation), year and kind.
type Rollup struct {
	Agency    string
	Year      int
	Kind      string
	Computed  time.Time // when the figures' people and summaries were read (「統計時間」)
	Signature string    // the tables they were computed under (signature)
	Figures   *Figures
}

type rollupItem struct {
	PK       string    `dynamo:"pk"`
	SK       string    `dynamo:"sk"`
	Computed time.Time `dynamo:"computed"`
	Sig      string    `dynamo:"sig"`
	Data     string    `dynamo:"data"`          // the people's figures (P8–P11, R3)
	Classes  string    `dynamo:"cls,omitempty"` // the classes' (R1, R2): read only by their pages
	Gen      int64     `dynamo:"gen,omitempty"` // NATIONAL: its generation (PutNational)
}

// classFigures are the part of Figures stored apart (rollupItem.Classes).
type classFigures struct {
	Execution map[string]map[string]*Execution `json:"x,omitempty"`
	Openings  map[string]int                   `json:"o,omitempty"`
}

// Part names what a page reads of rollup items: the people's figures or the
// classes' (a projection: the other part is neither sent nor decoded).
type Part int

const (
	PeoplePart Part = iota
	ClassesPart
)

func rollupPK(agency string, year int) string { return "ROLLUP#" + agency + "#" + strconv.Itoa(year) }

// RollupKey names one rollup.
type RollupKey struct {
	Agency string
	Year   int
	Kind   string
}

// GetMany reads rollups whole (missing ones are absent).
func (r Rollups) GetMany(ctx context.Context, keys []RollupKey) (map[RollupKey]Rollup, error) {
	return r.read(ctx, keys, nil, false)
}

// Read reads one part of rollups (missing ones are absent): a page's.
func (r Rollups) Read(ctx context.Context, keys []RollupKey, part Part) (map[RollupKey]Rollup, error) {
	attr := "data"
	if part == ClassesPart {
		attr = "cls"
	}
	return r.read(ctx, keys, []string{"pk", "sk", "computed", "sig", attr}, false)
}

func (r Rollups) read(ctx context.Context, keys []RollupKey, project []string, consistent bool) (map[RollupKey]Rollup, error) {
	ks := make([]dynamo.Keyed, 0, len(keys))
	seen := map[RollupKey]bool{}
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			ks = append(ks, dynamo.Keys{rollupPK(k.Agency, k.Year), k.Kind})
		}
	}
	var items []rollupItem
	if len(ks) > 0 {
		b := r.Table.Batch("pk", "sk").Get(ks...)
		if project != nil {
			b = b.Project(project...)
		}
		if consistent {
			b = b.Consistent(true)
		}
		if err := b.All(ctx, &items); err != nil && !errors.Is(err, dynamo.ErrNotFound) {
			return nil, fmt.Errorf("rollups: %w", err)
		}
	}
	out := make(map[RollupKey]Rollup, len(items))
	for _, it := range items {
		ro, err := it.rollup()
		if err != nil {
			return nil, err
		}
		out[RollupKey{ro.Agency, ro.Year, ro.Kind}] = ro
	}
	return out, nil
}

func (it rollupItem) rollup() (Rollup, error) {
	rest, _ := strings.CutPrefix(it.PK, "ROLLUP#")
	i := strings.LastIndex(rest, "#")
	y, err := strconv.Atoi(rest[i+1:])
	if i < 0 || err != nil {
		return Rollup{}, fmt.Errorf("rollup key %q", it.PK)
	}
	f := &Figures{}
	if it.Data != "" {
		if err := json.Unmarshal([]byte(it.Data), f); err != nil {
			return Rollup{}, fmt.Errorf("rollup %s/%s: %w", it.PK, it.SK, err)
		}
	}
	if it.Classes != "" {
		var c classFigures
		if err := json.Unmarshal([]byte(it.Classes), &c); err != nil {
			return Rollup{}, fmt.Errorf("rollup %s/%s classes: %w", it.PK, it.SK, err)
		}
		f.Execution, f.Openings = c.Execution, c.Openings
	}
	return Rollup{Agency: rest[:i], Year: y, Kind: it.SK, Computed: it.Computed, Signature: it.Sig, Figures: f}, nil
}

func itemOf(ro Rollup) rollupItem {
	people := *ro.Figures
	people.Execution, people.Openings = nil, nil
	b, _ := json.Marshal(people)
	it := rollupItem{PK: rollupPK(ro.Agency, ro.Year), SK: ro.Kind, Computed: ro.Computed.UTC(), Sig: ro.Signature, Data: string(b)}
	if ro.Figures.Execution != nil || ro.Figures.Openings != nil {
		c, _ := json.Marshal(classFigures{Execution: ro.Figures.Execution, Openings: ro.Figures.Openings})
		it.Classes = string(c)
	}
	return it
}

// Put writes rollups, replacing what was there: a rerun rewrites the same
// keys, so a worker that failed half way is healed by its retry.
func (r Rollups) Put(ctx context.Context, ros []Rollup) error {
	items := make([]any, len(ros))
	for i, ro := range ros {
		items[i] = itemOf(ro)
	}
	if err := store.WriteAll(ctx, r.Table, items, 4); err != nil {
		return fmt.Errorf("write rollups: %w", err)
	}
	return nil
}

// NationalRead reads what a national sum is made of (SumRead).
func (r Rollups) NationalRead(ctx context.Context, year int, roots []RollupKey) (int64, map[RollupKey]Rollup, error) {
	return r.SumRead(ctx, RollupKey{National, year, Tree}, roots)
}

// PutNational writes the national sum of top-level items read (NationalRead)
// at generation gen (PutSum).
func (r Rollups) PutNational(ctx context.Context, ro Rollup, gen int64) (bool, error) {
	return r.PutSum(ctx, ro, gen)
}

// SumRead reads what a sum (a TREE re-summed from its parts: the national
// one from the top-level agencies', an agency's from its own figures and its
// children's) is made of, in the order that makes PutSum safe: the sum's
// generation (0: none yet), then the parts, both strongly consistent.
func (r Rollups) SumRead(ctx context.Context, sum RollupKey, parts []RollupKey) (int64, map[RollupKey]Rollup, error) {
	var it struct {
		Gen int64 `dynamo:"gen"`
	}
	err := r.Table.Get("pk", rollupPK(sum.Agency, sum.Year)).Range("sk", dynamo.Equal, sum.Kind).Project("gen").Consistent(true).One(ctx, &it)
	if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return 0, nil, fmt.Errorf("rollup sum %s/%d: %w", sum.Agency, sum.Year, err)
	}
	got, err := r.read(ctx, parts, nil, true)
	return it.Gen, got, err
}

// PutSum writes a sum of parts read (SumRead) at generation gen, unless
// another sum was written since: then it answers false, and the caller reads
// and sums again. The last sum written was therefore read after every part
// written before it, whatever the order two workers finish in (two sibling
// workers re-summing their parent, or two top-level workers the nation), and
// the set of parts may change (a sum of times, compared, would freeze when
// one left the tree). An item rewritten whole (Put) has no generation: the
// next sum is written over it.
func (r Rollups) PutSum(ctx context.Context, ro Rollup, gen int64) (bool, error) {
	it := itemOf(ro)
	it.Gen = gen + 1
	put := r.Table.Put(it)
	if gen == 0 {
		put = put.If("attribute_not_exists(gen)")
	} else {
		put = put.If("gen = ?", gen)
	}
	err := put.Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("write rollup sum %s/%d: %w", ro.Agency, ro.Year, err)
	}
	return true, nil
}
