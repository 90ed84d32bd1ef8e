package imports

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// RecordLookup reads the stored records at the keys of recs (person, year, id).
type RecordLookup interface {
	Records(ctx context.Context, recs []records.Record) (map[string]records.Record, error)
}

// recordDeleter removes records (records.Repo), for a platform record that
// moved to another person or year.
type recordDeleter interface {
	Delete(ctx context.Context, recs []*records.Record) (int, error)
}

// locate is a record's place: what RecordLookup's answer is keyed by.
func locate(r records.Record) string { return fmt.Sprintf("%s\x1f%d\x1f%s", r.PersonID, r.Year, r.ID) }

// RecordTable reads records by key from the Records table.
type RecordTable struct{ Table dynamo.Table }

type recordKeys struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
}

// Records implements RecordLookup with batch reads.
func (t RecordTable) Records(ctx context.Context, recs []records.Record) (map[string]records.Record, error) {
	keys := make([]dynamo.Keyed, 0, len(recs))
	seen := map[string]bool{}
	for _, r := range recs {
		k := locate(r)
		if seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, dynamo.Keys{"PERSON#" + r.PersonID, fmt.Sprintf("REC#%d#%s", r.Year, r.ID)})
	}
	got, err := consistentMany[records.Record](ctx, t.Table, keys)
	if err != nil {
		return nil, fmt.Errorf("read records before writing: %w", err)
	}
	out := make(map[string]records.Record, len(got))
	for _, r := range got {
		out[locate(r)] = r
	}
	return out, nil
}

// PlatformPointer says where a platform record is: its person and year (the
// record's key holds both, and a resend may change either).
type PlatformPointer struct {
	PK       string `dynamo:"pk"` // PLATREC#<record id>
	SK       string `dynamo:"sk"` // PTR
	PersonID string `dynamo:"personId"`
	Year     int    `dynamo:"year"`
	// Order is the StagingOrder of the job that wrote it ("" before it was
	// kept: older than any).
	Order string `dynamo:"order,omitempty"`
}

// StagingOrder is job j's place in staging order, as a string that sorts
// so (a fixed-width UTC time, then the id).
func StagingOrder(j Job) string {
	return j.StagedAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + j.ID
}

// PlatformPointers stores the pointers in the Directory table.
type PlatformPointers struct{ Table dynamo.Table }

func pointerPK(id string) string { return "PLATREC#" + id }

// Get returns the pointers of recs' ids that exist.
func (p PlatformPointers) Get(ctx context.Context, recs []records.Record) (map[string]PlatformPointer, error) {
	keys := make([]dynamo.Keyed, len(recs))
	for i, r := range recs {
		keys[i] = dynamo.Keys{pointerPK(r.ID), "PTR"}
	}
	got, err := consistentMany[PlatformPointer](ctx, p.Table, keys)
	if err != nil {
		return nil, fmt.Errorf("platform record pointers: %w", err)
	}
	out := make(map[string]PlatformPointer, len(got))
	for _, g := range got {
		out[g.PK[len("PLATREC#"):]] = g
	}
	return out, nil
}

// Put records where recs now are, written by a job of staging order order.
// Each write is conditional: a pointer a job staged later wrote stays as it
// is (defence in depth: one client's batches are applied one at a time, in
// staging order, so none should be there); their record ids are returned.
func (p PlatformPointers) Put(ctx context.Context, recs []records.Record, order string) ([]string, error) {
	var mu sync.Mutex
	var kept []string
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, r := range recs {
		g.Go(func() error {
			err := p.Table.Put(PlatformPointer{PK: pointerPK(r.ID), SK: "PTR", PersonID: r.PersonID, Year: r.Year, Order: order}).
				If("attribute_not_exists($) OR $ <= ?", "order", "order", order).Run(ctx)
			if dynamo.IsCondCheckFailed(err) {
				mu.Lock()
				kept = append(kept, r.ID)
				mu.Unlock()
				return nil
			}
			if err != nil {
				return fmt.Errorf("platform record pointer %s: %w", r.ID, err)
			}
			return nil
		})
	}
	return kept, g.Wait()
}

// consistentMany is a strongly consistent batch read: a rerun after a crash
// must see what the crashed run wrote.
func consistentMany[T any](ctx context.Context, table dynamo.Table, keys []dynamo.Keyed) ([]T, error) {
	var out []T
	if len(keys) == 0 {
		return out, nil
	}
	err := table.Batch("pk", "sk").Get(keys...).Consistent(true).All(ctx, &out)
	if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return nil, fmt.Errorf("batch get from %s: %w", table.Name(), err)
	}
	return out, nil
}
