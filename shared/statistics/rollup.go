package statistics

import (
	"context"
	"encoding/json"
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
	Data     string    `dynamo:"data"`
	Seen     int64     `dynamo:"seen,omitempty"` // NATIONAL: Σ of the top-level items' computed (ms) it summed
}

func rollupPK(agency string, year int) string { return "ROLLUP#" + agency + "#" + strconv.Itoa(year) }

// RollupKey names one rollup.
type RollupKey struct {
	Agency string
	Year   int
	Kind   string
}

// GetMany reads rollups (missing ones are absent).
func (r Rollups) GetMany(ctx context.Context, keys []RollupKey) (map[RollupKey]Rollup, error) {
	ks := make([]dynamo.Keyed, 0, len(keys))
	seen := map[RollupKey]bool{}
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			ks = append(ks, dynamo.Keys{rollupPK(k.Agency, k.Year), k.Kind})
		}
	}
	items, err := store.GetMany[rollupItem](ctx, r.Table, ks)
	if err != nil {
		return nil, fmt.Errorf("rollups: %w", err)
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
	if err := json.Unmarshal([]byte(it.Data), f); err != nil {
		return Rollup{}, fmt.Errorf("rollup %s/%s: %w", it.PK, it.SK, err)
	}
	return Rollup{Agency: rest[:i], Year: y, Kind: it.SK, Computed: it.Computed, Signature: it.Sig, Figures: f}, nil
}

func itemOf(ro Rollup) rollupItem {
	b, _ := json.Marshal(ro.Figures)
	return rollupItem{PK: rollupPK(ro.Agency, ro.Year), SK: ro.Kind, Computed: ro.Computed.UTC(), Sig: ro.Signature, Data: string(b)}
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

// PutNational writes the national sum unless one summing newer top-level
// figures is stored: seen is the sum of the computed times (ms) of the
// top-level items it summed. Two workers finishing at once each wrote their
// own item before reading the others, so at least one of them read both new
// items, and its seen is the larger: it is the one that stays.
func (r Rollups) PutNational(ctx context.Context, ro Rollup, seen int64) error {
	it := itemOf(ro)
	it.Seen = seen
	err := r.Table.Put(it).If("attribute_not_exists(seen) OR seen <= ?", seen).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write national rollup %d: %w", ro.Year, err)
	}
	return nil
}
