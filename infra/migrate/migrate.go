package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// The shapes before issue 19: a class item counted its enrollments itself
// (enrolled) and every visible class had gsi3 key FRONT; an agency's records
// and summaries of a year each had one gsi1 key.
const (
	classSK   = "CLASS"
	oldFront  = "FRONT"
	enrolled  = "enrolled"
	attempts  = 5 // of one class's seat move, while the old code still counts on the class item
	recPrefix = "REC#"
	sumPrefix = "SUM#"
)

func oldAgencyKey(agency string, year int) string  { return fmt.Sprintf("AGENCY#%s#%d", agency, year) }
func oldSummaryKey(agency string, year int) string { return fmt.Sprintf("SUMMARY#%s#%d", agency, year) }

// Migration moves the items of Catalog and Records to the current shapes,
// scanning each table in Segments parallel segments.
type Migration struct {
	DB               *dynamo.DB
	Catalog, Records dynamo.Table
	Segments         int // 0 means 8
	Workers          int // items migrated at once per segment; 0 means 8
}

// Result counts what a run changed, and the old-shaped items it left because
// a newer write had changed them between its read and its write (or their
// key was not built from their own attributes).
type Result struct {
	Seats, Front, Records, Summaries, Left int64
}

func (r Result) String() string {
	return fmt.Sprintf("%d class counts moved to seat items, %d front-stage keys, %d record index keys, %d summary index keys re-keyed; %d left as a newer write made them",
		r.Seats, r.Front, r.Records, r.Summaries, r.Left)
}

type counts struct{ seats, front, records, summaries, left atomic.Int64 }

func (c *counts) result() Result {
	return Result{c.seats.Load(), c.front.Load(), c.records.Load(), c.summaries.Load(), c.left.Load()}
}

// outcome is what one step did to one item.
type outcome int

const (
	unchanged outcome = iota // nothing to do: done already, or gone
	moved                    // brought to the current shape
	left                     // old-shaped when read, changed by a newer write before ours: left as it is
)

// count adds o to n (moved) or to c.left.
func (c *counts) count(o outcome, n *atomic.Int64) {
	switch o {
	case moved:
		n.Add(1)
	case left:
		c.left.Add(1)
	}
}

// Run migrates both tables (in parallel) and answers what it changed, also
// when it fails partway: what it did stays done.
func (m Migration) Run(ctx context.Context) (Result, error) {
	var c counts
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.classes(gctx, &c) })
	g.Go(func() error { return m.indexes(gctx, &c) })
	err := g.Wait()
	return c.result(), err
}

func (m Migration) workers() int {
	if m.Workers > 0 {
		return m.Workers
	}
	return 8
}

func (m Migration) segments() int {
	if m.Segments > 0 {
		return m.Segments
	}
	return 8
}

// scan runs each item of table matching filter through f: segments at once,
// and within each, workers items at once.
func scan[T any](ctx context.Context, m Migration, table dynamo.Table, filter string, args []any, f func(context.Context, T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	for seg := range m.segments() {
		g.Go(func() error {
			w, wctx := errgroup.WithContext(gctx)
			w.SetLimit(m.workers())
			it := table.Scan().Segment(seg, m.segments()).Filter(filter, args...).Iter()
			for {
				var v T
				if !it.Next(wctx, &v) {
					break
				}
				w.Go(func() error { return f(wctx, v) })
			}
			if err := w.Wait(); err != nil {
				return err
			}
			if err := it.Err(); err != nil {
				return fmt.Errorf("scan %s, segment %d: %w", table.Name(), seg, err)
			}
			return nil
		})
	}
	return g.Wait()
}

type classRow struct {
	PK       string `dynamo:"pk"`
	Enrolled *int   `dynamo:"enrolled"`
	GSI3PK   string `dynamo:"gsi3pk"`
}

// classes moves each old class item's count to its seat item and its
// front-stage key to its shard.
func (m Migration) classes(ctx context.Context, c *counts) error {
	return scan(ctx, m, m.Catalog, "$ = ? AND (attribute_exists($) OR $ = ?)", []any{"sk", classSK, enrolled, "gsi3pk", oldFront},
		func(ctx context.Context, row classRow) error {
			if row.Enrolled != nil {
				o, err := m.seats(ctx, row.PK)
				if err != nil {
					return err
				}
				c.count(o, &c.seats)
			}
			if row.GSI3PK == oldFront {
				o, err := m.front(ctx, row.PK)
				if err != nil {
					return err
				}
				c.count(o, &c.front)
			}
			return nil
		})
}

// seats moves the count on the class item of pk to its seat item
// (catalog.SeatsSK), in one transaction: add it to the seat item (which
// holds the seats taken since the new code runs, if any) and remove it from
// the class item if it is still the count read. An enrollment counted on the
// class item meanwhile (the old code still running) fails the condition, and
// the count is read again; a removed count means done (a re-run, or another
// migration running).
func (m Migration) seats(ctx context.Context, pk string) (outcome, error) {
	for range attempts {
		var class struct {
			Enrolled *int `dynamo:"enrolled"`
		}
		err := m.Catalog.Get("pk", pk).Range("sk", dynamo.Equal, classSK).Consistent(true).One(ctx, &class)
		if errors.Is(err, dynamo.ErrNotFound) || err == nil && class.Enrolled == nil {
			return unchanged, nil // deleted, or done
		}
		if err != nil {
			return unchanged, fmt.Errorf("class %s: %w", pk, err)
		}
		n := *class.Enrolled
		err = m.DB.WriteTx().
			Update(m.Catalog.Update("pk", pk).Range("sk", catalog.SeatsSK).Add(enrolled, n)).
			Update(m.Catalog.Update("pk", pk).Range("sk", classSK).Remove(enrolled).If("$ = ?", enrolled, n)).
			Run(ctx)
		if err == nil {
			return moved, nil
		}
		if !dynamo.IsCondCheckFailed(err) {
			return unchanged, fmt.Errorf("seat item of %s: %w", pk, err)
		}
	}
	return unchanged, fmt.Errorf("seat item of %s: its count changed %d times while moving it; run again", pk, attempts)
}

// front moves the class of pk from gsi3 key FRONT to its shard, if it is
// still on FRONT (an edit since writes the shard, a cancellation removes it).
func (m Migration) front(ctx context.Context, pk string) (outcome, error) {
	err := m.Catalog.Update("pk", pk).Range("sk", classSK).Set("gsi3pk", catalog.FrontKey(pk)).
		If("$ = ?", "gsi3pk", oldFront).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return left, nil
	}
	if err != nil {
		return unchanged, fmt.Errorf("front-stage key of %s: %w", pk, err)
	}
	return moved, nil
}

// indexRow is a record or summary item as far as its agency index key goes.
type indexRow struct {
	PK       string `dynamo:"pk"`
	SK       string `dynamo:"sk"`
	GSI1PK   string `dynamo:"gsi1pk"`
	Agency   string `dynamo:"agency"`
	Year     int    `dynamo:"year"`
	PersonID string `dynamo:"personId"`
}

// indexes moves the records' and summaries' agency index keys to their shards.
func (m Migration) indexes(ctx context.Context, c *counts) error {
	return scan(ctx, m, m.Records, "begins_with($, ?) OR begins_with($, ?)", []any{"gsi1pk", "AGENCY#", "gsi1pk", "SUMMARY#"},
		func(ctx context.Context, row indexRow) error {
			o, err := m.reindex(ctx, row)
			if err != nil {
				return err
			}
			if strings.HasPrefix(row.SK, recPrefix) {
				c.count(o, &c.records)
			} else {
				c.count(o, &c.summaries)
			}
			return nil
		})
}

// reindex moves the gsi1 key of the record or summary row to its shard if it
// still has the old key of its own agency and year. A key not built from
// the row's own attributes is left: not ours to guess.
func (m Migration) reindex(ctx context.Context, row indexRow) (outcome, error) {
	var old, want string
	switch {
	case strings.HasPrefix(row.SK, recPrefix):
		old, want = oldAgencyKey(row.Agency, row.Year), records.AgencyKey(row.Agency, row.Year, row.PersonID)
	case strings.HasPrefix(row.SK, sumPrefix):
		old, want = oldSummaryKey(row.Agency, row.Year), summary.IndexKey(row.Agency, row.Year, row.PersonID)
	default:
		return unchanged, nil
	}
	switch row.GSI1PK {
	case want:
		return unchanged, nil
	case old:
	default:
		return left, nil
	}
	err := m.Records.Update("pk", row.PK).Range("sk", row.SK).Set("gsi1pk", want).If("$ = ?", "gsi1pk", old).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return left, nil
	}
	if err != nil {
		return unchanged, fmt.Errorf("index key of %s/%s: %w", row.PK, row.SK, err)
	}
	return moved, nil
}
