package personnel

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// each runs f for 0..n-1, eight at a time.
func each(ctx context.Context, n int, f func(context.Context, int) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error { return f(ctx, i) })
	}
	return g.Wait()
}

// FromRecords computes hours from each person's records on request: the
// baseline the summaries are measured against (make bench), and the
// definition of what a summary must hold.
type FromRecords struct {
	Records interface {
		OfPerson(ctx context.Context, personID string, year int) ([]records.Record, error)
	}
}

// YearHours reads every record of each person in the year.
func (f FromRecords) YearHours(ctx context.Context, year int, people []string) (map[string]Hours, error) {
	out := make(map[string]Hours, len(people))
	var mu sync.Mutex
	err := each(ctx, len(people), func(ctx context.Context, i int) error {
		recs, err := f.Records.OfPerson(ctx, people[i], year)
		if err != nil {
			return err
		}
		h := Sum(recs)
		if h.Records > 0 {
			mu.Lock()
			out[people[i]] = h
			mu.Unlock()
		}
		return nil
	})
	return out, err
}

// Sum adds up the counted records (STATISTICS.md) by the one rule the
// learning summaries are computed with.
func Sum(recs []records.Record) Hours { return hoursOf(summary.Compute("", 0, recs, nil, time.Time{})) }

func hoursOf(s summary.Summary) Hours {
	return Hours{Records: s.Records, Total: s.TotalHours, Digital: s.DigitalHours, Physical: s.PhysicalHours, Categories: s.Categories}
}

// Summaries reads learning summaries (shared/summary).
type Summaries interface {
	GetMany(ctx context.Context, personIDs []string, year int) (map[string]summary.Summary, error)
}

// FromSummaries reads hours from the learning summaries: one BatchGetItem
// per hundred people, whatever their records.
type FromSummaries struct{ Summaries Summaries }

// YearHours reads the people's summaries of the year.
func (f FromSummaries) YearHours(ctx context.Context, year int, people []string) (map[string]Hours, error) {
	sums, err := f.Summaries.GetMany(ctx, people, year)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Hours, len(sums))
	for id, s := range sums {
		if s.Records == 0 {
			continue
		}
		out[id] = hoursOf(s)
	}
	return out, nil
}
