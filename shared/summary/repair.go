package summary

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// RepairResult counts what a repair run found: person-years checked (with
// records, a stored summary, or both), those whose stored summary differed
// from their records (missing, wrong, or left over with no records), and
// those recomputed.
type RepairResult struct {
	Checked int `json:"checked"`
	Drifted int `json:"drifted"`
	Fixed   int `json:"fixed"`
}

// RepairSegments is how many parallel scan segments Repair reads.
const RepairSegments = 8

// Repair scans the Records table in parallel segments, computes every
// person-year's summary from its records, compares it with the stored one
// and recomputes those that differ (through Recompute's versioned write, so
// a repair never overwrites a newer write with what its scan saw). A scan
// segment returns a person's items together (records, then summaries: REC#
// sorts before SUM#), so a person is compared when the scan moves past them
// and memory holds one person per segment, plus a batch of profiles.
// Writes during the scan can look like drift; recomputing them is harmless.
func (r Repo) Repair(ctx context.Context) (RepairResult, error) {
	var checked, drifted, fixed atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for seg := range RepairSegments {
		g.Go(func() error {
			c := &repairer{repo: r, checked: &checked, drifted: &drifted, fixed: &fixed}
			it := r.Records.Scan().Segment(seg, RepairSegments).
				Filter("begins_with(sk, ?) OR begins_with(sk, ?)", "REC#", "SUM#").Iter()
			var raw scanned
			for it.Next(gctx, &raw) {
				if err := c.add(gctx, raw); err != nil {
					return err
				}
				raw = scanned{}
			}
			if err := it.Err(); err != nil {
				return fmt.Errorf("summary repair: scan segment %d: %w", seg, err)
			}
			return c.flush(gctx, true)
		})
	}
	err := g.Wait()
	res := RepairResult{Checked: int(checked.Load()), Drifted: int(drifted.Load()), Fixed: int(fixed.Load())}
	slog.InfoContext(ctx, "summary repair", "checked", res.Checked, "drifted", res.Drifted, "fixed", res.Fixed, "error", err)
	return res, err
}

// scanned is a record or a summary item as the scan reads it; its key says
// which type to decode it as (their attributes overlap: year, agency, hours).
type scanned = dynamo.Item

// personYear is what the scan saw of one person-year.
type personYear struct {
	recs   []records.Record
	stored *Summary
}

type repairer struct {
	repo                    Repo
	checked, drifted, fixed *atomic.Int64
	pk                      string
	person                  map[int]*personYear // the person being read
	pending                 map[records.PersonYear]*personYear
}

// profileBatch is how many person-years wait for one BatchGetItem of profiles.
const profileBatch = 100

func (c *repairer) add(ctx context.Context, raw scanned) error {
	var key struct {
		PK string `dynamo:"pk"`
		SK string `dynamo:"sk"`
	}
	if err := dynamo.UnmarshalItem(raw, &key); err != nil {
		return fmt.Errorf("summary repair: %w", err)
	}
	year, ok := yearOf(key.SK)
	if !ok {
		return nil
	}
	if key.PK != c.pk {
		c.park()
		c.pk, c.person = key.PK, map[int]*personYear{}
		if len(c.pending) >= profileBatch {
			if err := c.flush(ctx, false); err != nil {
				return err
			}
		}
	}
	py := c.person[year]
	if py == nil {
		py = &personYear{}
		c.person[year] = py
	}
	if strings.HasPrefix(key.SK, "SUM#") {
		var it item
		if err := dynamo.UnmarshalItem(raw, &it); err != nil {
			return fmt.Errorf("summary repair: %s/%s: %w", key.PK, key.SK, err)
		}
		if it.CVer > 0 { // else a version taken, never written: as if missing
			py.stored = &it.Summary
		}
		return nil
	}
	var rec records.Record
	if err := dynamo.UnmarshalItem(raw, &rec); err != nil {
		return fmt.Errorf("summary repair: %s/%s: %w", key.PK, key.SK, err)
	}
	py.recs = append(py.recs, rec)
	return nil
}

// park moves the person just read to the pending batch.
func (c *repairer) park() {
	if c.pk == "" {
		return
	}
	if c.pending == nil {
		c.pending = map[records.PersonYear]*personYear{}
	}
	id := c.pk[len("PERSON#"):]
	for y, py := range c.person {
		c.pending[records.PersonYear{PersonID: id, Year: y}] = py
	}
	c.person = nil
}

// flush compares the pending person-years with their stored summaries and
// recomputes those that differ (last: the person being read too).
func (c *repairer) flush(ctx context.Context, last bool) error {
	if last {
		c.park()
		c.pk = ""
	}
	if len(c.pending) == 0 {
		return nil
	}
	keys := make([]records.PersonYear, 0, len(c.pending))
	ids := make([]string, 0, len(c.pending))
	for k := range c.pending {
		keys = append(keys, k)
		ids = append(ids, k.PersonID)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].PersonID < keys[j].PersonID || keys[i].PersonID == keys[j].PersonID && keys[i].Year < keys[j].Year
	})
	people, err := c.repo.People.GetMany(ctx, ids)
	if err != nil {
		return fmt.Errorf("summary repair: %w", err)
	}
	var drift []records.PersonYear
	for _, k := range keys {
		py := c.pending[k]
		c.checked.Add(1)
		var p *staff.Person
		if pp, ok := people[k.PersonID]; ok {
			p = &pp
		}
		want := Compute(k.PersonID, k.Year, py.recs, p, c.repo.now())
		if py.stored == nil {
			if want.Records == 0 {
				continue // nothing counted, nothing stored: 0 hours either way
			}
		} else if Same(*py.stored, want) || (isZero(want) && isZero(*py.stored)) {
			continue // a zeroed summary is out of the index: its profile does not matter
		}
		drift = append(drift, k)
	}
	c.pending = nil
	c.drifted.Add(int64(len(drift)))
	for _, k := range drift {
		slog.WarnContext(ctx, "summary drift", "person", k.PersonID, "year", k.Year)
		if err := c.repo.Recompute(ctx, []records.PersonYear{k}); err != nil {
			return fmt.Errorf("summary repair: %w", err)
		}
		c.fixed.Add(1)
	}
	return nil
}

// isZero reports whether s counts nothing.
func isZero(s Summary) bool {
	if s.Records != 0 || s.TotalHours != 0 || s.DigitalHours != 0 || s.PhysicalHours != 0 {
		return false
	}
	for _, h := range s.Categories {
		if h != 0 {
			return false
		}
	}
	return true
}
