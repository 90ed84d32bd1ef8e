package personnelfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Recomputer recomputes learning summaries (summary.Repo.Recompute): a moved
// person's current year follows them to their new agency.
type Recomputer interface {
	Recompute(ctx context.Context, keys []records.PersonYear) error
}

// Feed applies roster snapshots: what the import pipeline calls for the
// kind (Spec), and the held snapshots' review (review.go).
type Feed struct {
	Directory dynamo.Table
	Agencies  agency.Repo
	Summaries Recomputer
	Files     imports.Files
	Bucket    string
	Now       func() time.Time
	NewID     func() string // a new person's internal id
	// HoldShare is the share of a snapshot's scope staff that may leave or
	// move without a system administrator's confirmation (0: DefaultHoldShare).
	HoldShare float64
}

// DefaultHoldShare is 2 %.
const DefaultHoldShare = 0.02

func (f *Feed) people() staff.Repo { return staff.Repo{Table: f.Directory} }

// Spec is the kind's checker registration (imports.Checkers[KindID]).
func (f *Feed) Spec() imports.CheckerSpec {
	return imports.CheckerSpec{New: f.newChecker, Shared: true, Begin: f.begin, End: f.end}
}

func (f *Feed) newChecker(ctx context.Context, _ imports.Job) (imports.Checker, error) {
	all, err := f.Agencies.All(ctx)
	if err != nil {
		return nil, err
	}
	return &checker{feed: f, agencies: all}, nil
}

// checker checks and applies rows; its state is read-only after New, so one
// serves every worker.
type checker struct {
	feed     *Feed
	agencies map[string]agency.Agency
}

func (c *checker) known(code string) bool { _, ok := c.agencies[code]; return ok }

// Check validates each row; the national ID is the natural key (a person
// twice in a file: the first row stands).
func (c *checker) Check(_ context.Context, rows []imports.Row) ([]imports.Outcome, error) {
	outs := make([]imports.Outcome, len(rows))
	for i, r := range rows {
		p, err := parse(r, c.known)
		outs[i] = imports.Outcome{Line: r.Line, Key: p.NationalID, Value: p, Err: err}
	}
	return outs, nil
}

// Apply upserts each person by national ID: a new person gets a new id (the
// lookup is written first and only if absent, so two runs cannot give one
// person two ids); a known one keeps theirs and their member flag. A person
// the same as stored is not written. Moved people's current-year summaries
// are recomputed.
func (c *checker) Apply(ctx context.Context, outs []imports.Outcome) error {
	f := c.feed
	var nids []string
	for _, o := range outs {
		if o.Err == nil {
			nids = append(nids, o.Value.(staff.Person).NationalID)
		}
	}
	refs, err := f.people().ByNationalIDs(ctx, nids)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	cur, err := f.people().GetMany(ctx, ids)
	if err != nil {
		return err
	}
	var items []any
	var moved []records.PersonYear
	year := roc.Year(f.Now())
	for i := range outs {
		o := &outs[i]
		if o.Err != nil {
			continue
		}
		p := o.Value.(staff.Person)
		ref, known := refs[p.NationalID]
		if !known {
			p.ID = f.NewID()
			if err := c.claimNID(ctx, p); err != nil {
				return err
			}
			items = append(items, staff.Keyed(p)[0])
			o.Change = imports.ChangeAdded
			continue
		}
		p.ID = ref.ID
		old, ok := cur[ref.ID]
		if !ok { // a crash left the lookup without the person: finish the creation
			items = append(items, staff.Keyed(p)...)
			o.Change = imports.ChangeAdded
			continue
		}
		p.Member = old.Member
		if p == normalized(old) {
			o.Note = "與現有資料相同，未寫入"
			continue
		}
		items = append(items, staff.Keyed(p)...)
		o.Change, o.Note = imports.ChangeUpdated, describe(old, p)
		if old.Agency != p.Agency {
			moved = append(moved, records.PersonYear{PersonID: p.ID, Year: year})
		}
	}
	if err := store.WriteAll(ctx, f.Directory, items, 4); err != nil {
		return fmt.Errorf("personnel feed: write people: %w", err)
	}
	if len(moved) > 0 {
		if err := f.Summaries.Recompute(ctx, moved); err != nil {
			return fmt.Errorf("personnel feed: summaries of moved people: %w", err)
		}
	}
	return nil
}

// claimNID writes a new person's national-ID lookup only if none exists.
func (c *checker) claimNID(ctx context.Context, p staff.Person) error {
	err := c.feed.Directory.Put(staff.Keyed(p)[1]).If("attribute_not_exists(pk)").Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return fmt.Errorf("personnel feed: %s was created meanwhile: retry the chunk", nid.Mask(p.NationalID))
	}
	return err
}

// normalized is a stored person as a roster row would say it ("" status is
// 在職 in items written before the feed).
func normalized(p staff.Person) staff.Person {
	if p.Status == "" {
		p.Status = staff.Statuses[0]
	}
	return p
}

// describe says what an update changes, for the row's result.
func describe(old, p staff.Person) string {
	switch {
	case old.Agency != p.Agency:
		return "調動：" + old.Agency + " → " + p.Agency
	case !old.InService() && p.InService():
		return "復職"
	case old.InService() && !p.InService():
		return "離職（" + p.Status + "）"
	}
	return "資料異動"
}

// snapshot reads a job's file: the valid rows' people by national ID (the
// first row of a person stands, as at staging) and the agencies they name.
func (f *Feed) snapshot(ctx context.Context, j imports.Job, known func(string) bool) (map[string]staff.Person, []string, error) {
	// The file that was staged, not one put under its key since (blob.ErrChanged).
	body, _, err := f.Files.Open(ctx, f.Bucket, j.Key, strings.Trim(j.ETag, `"`))
	if err != nil {
		return nil, nil, fmt.Errorf("personnel feed: open %s: %w", j.Key, err)
	}
	defer body.Close()
	rd, err := imports.NewReader(body, Kind)
	if err != nil {
		return nil, nil, fmt.Errorf("personnel feed: reopen %s: %w", j.Key, err)
	}
	people := map[string]staff.Person{}
	var scope []string
	inScope := map[string]bool{}
	for {
		r, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return people, scope, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("personnel feed: read %s: %w", j.Key, err)
		}
		p, bad := parse(r, known)
		if bad != nil {
			continue
		}
		if _, dup := people[p.NationalID]; dup {
			continue
		}
		people[p.NationalID] = p
		if !inScope[p.Agency] {
			inScope[p.Agency] = true
			scope = append(scope, p.Agency)
		}
	}
}

// staffOf lists the people in service of agencies.
func (f *Feed) staffOf(ctx context.Context, agencies []string) ([]staff.Person, error) {
	var out []staff.Person
	for _, a := range agencies {
		ps, err := f.people().OfAgency(ctx, a, 1<<30)
		if err != nil {
			return nil, err
		}
		out = append(out, ps...)
	}
	return out, nil
}

// end marks not in service every person of the snapshot's scope (the
// agencies it names) who is missing from it: their items stay (records and
// member flag kept), out of the staff index. Running it again finds no one.
func (f *Feed) end(ctx context.Context, j imports.Job) error {
	plan, found, err := f.plan(ctx, j.ID)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("personnel feed: job %s applied without a plan", j.ID)
	}
	all, err := f.Agencies.All(ctx)
	if err != nil {
		return err
	}
	snap, _, err := f.snapshot(ctx, j, func(c string) bool { _, ok := all[c]; return ok })
	if err != nil {
		return err
	}
	cur, err := f.staffOf(ctx, plan.Scope)
	if err != nil {
		return err
	}
	var items []any
	for _, p := range cur {
		if _, ok := snap[p.NationalID]; !ok {
			p.Status = Missing
			items = append(items, staff.Keyed(p)[0])
		}
	}
	if err := store.WriteAll(ctx, f.Directory, items, 4); err != nil {
		return fmt.Errorf("personnel feed: leavers: %w", err)
	}
	return nil
}

// Missing is the status given to a person of the scope that a snapshot no
// longer lists.
const Missing = "離職"
