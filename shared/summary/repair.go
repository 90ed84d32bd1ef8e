package summary

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/lease"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// RepairResult counts what a repair run found: person-years checked (with
// records, a stored summary, or both), those whose stored summary differed
// from their records (missing, wrong, or left over with no records), and
// those recomputed; and how far it got: the scan segments it worked on, those
// of them that reached the end of the table (their next run starts a new
// pass), those another run held, and whether it stopped at its deadline
// (the next run goes on from the saved positions).
type RepairResult struct {
	Checked      int  `json:"checked"`
	Drifted      int  `json:"drifted"`
	Fixed        int  `json:"fixed"`
	Segments     int  `json:"segments"`
	SegmentsDone int  `json:"segmentsDone"`
	SegmentsBusy int  `json:"segmentsBusy"`
	More         bool `json:"more"`
}

// RepairSegments is how many scan segments the repair reads, in parallel,
// each from its own saved position (a change of the number starts every
// segment afresh: the positions are kept per segment and count).
const RepairSegments = 8

// RepairReserve is how long before its context's deadline a repair stops
// taking another person: enough to recompute a batch of drift (100
// person-years, a few seconds) and save the positions.
const RepairReserve = time.Minute

// RepairLease is how long a run may hold a segment: the nightly function's
// timeout (template.yaml), so a run that died is taken over the next night.
const RepairLease = 15 * time.Minute

// repairSeg is a segment's checkpoint in the Records table (pk REPAIR, sk
// SEG#<n>/<segments>; no REC# or SUM# key, so the scan skips it): the lease
// attributes (shared/lease) and the key of the last item of the last person
// fully repaired (none: the next run starts at the segment's beginning).
type repairSeg struct {
	PK       string    `dynamo:"pk"`
	SK       string    `dynamo:"sk"`
	Status   string    `dynamo:"status"`
	Started  time.Time `dynamo:"started"`
	Attempts int       `dynamo:"attempts"`
	AfterPK  string    `dynamo:"afterPk,omitempty"`
	AfterSK  string    `dynamo:"afterSk,omitempty"`
	Passes   int       `dynamo:"passes"` // passes through the whole segment
	Passed   time.Time `dynamo:"passed"` // when the last pass ended
}

const repairPK = "REPAIR"

func repairSK(seg int) string { return fmt.Sprintf("SEG#%d/%d", seg, RepairSegments) }

// Repair scans the Records table in parallel segments, each from where the
// last run left it, computes every person-year's summary from its records,
// compares it with the stored one and recomputes those that differ (through
// Recompute's versioned write, so a repair never overwrites a newer write
// with what its scan saw). A scan segment returns a person's items together
// (records, then summaries: REC# sorts before SUM#), so a person is compared
// when the scan moves past them and memory holds one person per segment,
// plus a batch of profiles. Writes during the scan can look like drift;
// recomputing them is harmless.
//
// No run outgrows its invocation: a run holds each segment it works on by a
// lease (two runs never scan the same segment at once, and only the holder
// can move its position), saves the position after each batch of people,
// and stops taking people RepairReserve before ctx's deadline (More). A
// segment that reaches the end of the table starts again at the next run, so
// at national scale the repair is a slow full sweep over several nights.
func (r Repo) Repair(ctx context.Context) (RepairResult, error) {
	var stopAt time.Time
	if dl, ok := ctx.Deadline(); ok {
		stopAt = dl.Add(-RepairReserve)
	}
	var (
		checked, drifted, fixed atomic.Int64
		mu                      sync.Mutex
		res                     RepairResult
		g                       errgroup.Group
	)
	for seg := range RepairSegments {
		g.Go(func() error {
			c := &repairer{repo: r, checked: &checked, drifted: &drifted, fixed: &fixed, stopAt: stopAt}
			held, done, err := c.segment(ctx, seg)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case !held:
				res.SegmentsBusy++
			case done:
				res.Segments++
				res.SegmentsDone++
			default:
				res.Segments++
				res.More = res.More || err == nil
			}
			return err
		})
	}
	err := g.Wait()
	res.Checked, res.Drifted, res.Fixed = int(checked.Load()), int(drifted.Load()), int(fixed.Load())
	slog.InfoContext(ctx, "summary repair", "checked", res.Checked, "drifted", res.Drifted, "fixed", res.Fixed,
		"segments", res.Segments, "segmentsDone", res.SegmentsDone, "segmentsBusy", res.SegmentsBusy, "more", res.More, "error", err)
	return res, err
}

// segment repairs one scan segment from its saved position until the end of
// the table or the stop time; it reports whether this run held the segment
// and whether it reached the end.
func (c *repairer) segment(ctx context.Context, seg int) (held, done bool, err error) {
	t, sk := c.repo.Records, repairSK(seg)
	err = t.Put(repairSeg{PK: repairPK, SK: sk, Status: lease.Queued}).If("attribute_not_exists(pk)").Run(ctx)
	if err != nil && !dynamo.IsCondCheckFailed(err) {
		return false, false, fmt.Errorf("summary repair: segment %d: %w", seg, err)
	}
	cp, held, err := lease.Claim[repairSeg](ctx, t, repairPK, sk, c.repo.now(), RepairLease)
	if !held || err != nil {
		return held, false, err
	}
	c.seg, c.started = seg, cp.Started
	scan := t.Scan().Segment(seg, RepairSegments).Filter("begins_with(sk, ?) OR begins_with(sk, ?)", "REC#", "SUM#")
	if cp.AfterPK != "" {
		scan = scan.StartFrom(dynamo.PagingKey{"pk": &types.AttributeValueMemberS{Value: cp.AfterPK}, "sk": &types.AttributeValueMemberS{Value: cp.AfterSK}})
	}
	it := scan.Iter()
	var raw scanned
	for it.Next(ctx, &raw) {
		stop, err := c.add(ctx, raw)
		if err != nil || stop {
			return true, false, c.release(ctx, err)
		}
		raw = scanned{}
	}
	if err := it.Err(); err != nil {
		return true, false, c.release(ctx, fmt.Errorf("summary repair: scan segment %d: %w", seg, err))
	}
	if err := c.flush(ctx, true); err != nil {
		return true, false, c.release(ctx, err)
	}
	return true, true, c.save(ctx, "", "", true)
}

// save moves the segment's position to the item after pk/sk (none: the pass
// ended), if this run still holds the segment; end also hands it back.
func (c *repairer) save(ctx context.Context, pk, sk string, end bool) error {
	u := c.repo.Records.Update("pk", repairPK).Range("sk", repairSK(c.seg))
	if pk == "" {
		u = u.Remove("afterPk", "afterSk")
	} else {
		u = u.Set("afterPk", pk).Set("afterSk", sk)
	}
	if end {
		u = u.Set("status", lease.Queued)
		if pk == "" {
			u = u.Add("passes", 1).Set("passed", c.repo.now().UTC())
		}
	}
	err := u.If("$ = ? AND $ = ?", "status", lease.Running, "started", c.started).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return fmt.Errorf("summary repair: segment %d: %w", c.seg, lease.ErrTakenOver)
	}
	if err != nil {
		return fmt.Errorf("summary repair: save segment %d: %w", c.seg, err)
	}
	return nil
}

// release ends a run's hold of its segment at the position last saved: at
// the stop time (err nil: the position of the people just flushed is saved
// first), or after a failure (the next run repeats at most a batch).
func (c *repairer) release(ctx context.Context, err error) error {
	if err == nil {
		return c.save(ctx, c.donePK, c.doneSK, true)
	}
	if rerr := lease.Requeue(ctx, c.repo.Records, repairPK, repairSK(c.seg), c.started); rerr != nil {
		slog.ErrorContext(ctx, "summary repair: segment not handed back", "segment", c.seg, "err", rerr)
	}
	return err
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
	stopAt                  time.Time // take no more people from then (zero: no deadline)
	seg                     int
	started                 time.Time // the run's hold of the segment (lease)
	pk                      string
	person                  map[int]*personYear // the person being read
	pending                 map[records.PersonYear]*personYear
	lastPK, lastSK          string // the key of the item read last
	donePK, doneSK          string // the last item of the last person repaired
}

// profileBatch is how many person-years wait for one BatchGetItem of profiles.
const profileBatch = 100

// add takes the next item of the scan; at a person's end it compares a full
// batch and saves the position after it, and it answers stop (with the
// people read so far compared) when the stop time has come.
func (c *repairer) add(ctx context.Context, raw scanned) (bool, error) {
	var key struct {
		PK string `dynamo:"pk"`
		SK string `dynamo:"sk"`
	}
	if err := dynamo.UnmarshalItem(raw, &key); err != nil {
		return false, fmt.Errorf("summary repair: %w", err)
	}
	if key.PK != c.pk {
		if stop, err := c.personDone(ctx); stop || err != nil {
			return stop, err
		}
		c.pk, c.person = key.PK, map[int]*personYear{}
	}
	c.lastPK, c.lastSK = key.PK, key.SK
	year, ok := yearOf(key.SK)
	if !ok {
		return false, nil
	}
	py := c.person[year]
	if py == nil {
		py = &personYear{}
		c.person[year] = py
	}
	if strings.HasPrefix(key.SK, "SUM#") {
		var it item
		if err := dynamo.UnmarshalItem(raw, &it); err != nil {
			return false, fmt.Errorf("summary repair: %s/%s: %w", key.PK, key.SK, err)
		}
		if it.CVer > 0 { // else a version taken, never written: as if missing
			py.stored = &it.Summary
		}
		return false, nil
	}
	var rec records.Record
	if err := dynamo.UnmarshalItem(raw, &rec); err != nil {
		return false, fmt.Errorf("summary repair: %s/%s: %w", key.PK, key.SK, err)
	}
	py.recs = append(py.recs, rec)
	return false, nil
}

// personDone parks the person just read whole; with a full batch, or when
// the stop time has come (stop), it compares the batch and records the
// position after it (saved now, or by release when stopping).
func (c *repairer) personDone(ctx context.Context) (bool, error) {
	if c.pk == "" {
		return false, nil
	}
	c.park()
	stop := !c.stopAt.IsZero() && !c.repo.now().Before(c.stopAt)
	if !stop && len(c.pending) < profileBatch {
		return false, nil
	}
	if err := c.flush(ctx, false); err != nil {
		return false, err
	}
	c.donePK, c.doneSK = c.lastPK, c.lastSK
	if stop {
		return true, nil
	}
	return false, c.save(ctx, c.donePK, c.doneSK, false)
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
