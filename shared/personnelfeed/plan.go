package personnelfeed

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Plan statuses.
const (
	Planned   = "planned"   // within the hold share: applied
	Held      = "held"      // waits for a system administrator
	Confirmed = "confirmed" // held, then confirmed: applied at the next nightly batch
	Rejected  = "rejected"  // held, then rejected: the job ends failed
)

// Changes of a diff row.
const (
	Added   = "新增"
	Changed = "異動"
	Moved   = "調出"
	Left    = "離職"
)

// maxDiffRows bounds the rows a plan keeps for the review (the item stays far
// below DynamoDB's 400 KB); the counts are always whole.
const maxDiffRows = 300

// DiffRow is one person a snapshot adds, changes, moves or lets go.
type DiffRow struct {
	Change     string `dynamo:"ch" json:"change"`
	NationalID string `dynamo:"nid" json:"nationalId"` // masked
	Name       string `dynamo:"name" json:"name"`
	From       string `dynamo:"from,omitempty" json:"from,omitempty"` // agency before
	To         string `dynamo:"to,omitempty" json:"to,omitempty"`     // agency after
}

// Plan is what a snapshot does to the directory, decided once before any
// row of it is written (the first plan of a job stands).
type Plan struct {
	Job       string    `dynamo:"job" json:"job"`
	Status    string    `dynamo:"status" json:"status"`
	Scope     []string  `dynamo:"scope" json:"scope"` // the agencies the snapshot names
	Staff     int       `dynamo:"staff" json:"staff"` // their people in service before
	Added     int       `dynamo:"added" json:"added"`
	Changed   int       `dynamo:"changed" json:"changed"`
	Moved     int       `dynamo:"moved" json:"moved"`
	Left      int       `dynamo:"left" json:"left"`
	Unchanged int       `dynamo:"unchanged" json:"unchanged"`
	Share     float64   `dynamo:"share" json:"share"` // (moved + left) / staff
	Rows      []DiffRow `dynamo:"rows,omitempty" json:"rows"`
	Note      string    `dynamo:"note,omitempty" json:"note,omitempty"`
	Created   time.Time `dynamo:"created" json:"created"`
	DecidedBy string    `dynamo:"decidedBy,omitempty" json:"decidedBy,omitempty"`
	Decided   time.Time `dynamo:"decided,omitempty" json:"decided,omitzero"`
}

type planItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk,omitempty"` // HELDROSTERS while held: the review's list
	GSI1SK string `dynamo:"gsi1sk,omitempty"`
	Plan
}

const heldPK = "HELDROSTERS"

func planPK(job string) string { return "ROSTERPLAN#" + job }

func planKeyed(p Plan) planItem {
	it := planItem{PK: planPK(p.Job), SK: "PLAN", Plan: p}
	if p.Status == Held {
		it.GSI1PK, it.GSI1SK = heldPK, p.Created.UTC().Format(time.RFC3339Nano)+"#"+p.Job
	}
	return it
}

func (f *Feed) plan(ctx context.Context, job string) (Plan, bool, error) {
	var it planItem
	err := f.Directory.Get("pk", planPK(job)).Range("sk", dynamo.Equal, "PLAN").Consistent(true).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Plan{}, false, nil
	}
	if err != nil {
		return Plan{}, false, fmt.Errorf("personnel feed: plan of %s: %w", job, err)
	}
	return it.Plan, true, nil
}

// begin decides, once per job, whether its snapshot is applied: the diff
// against the directory is recorded first; a snapshot that would move or
// let go more than the hold share of its scope's staff waits for a system
// administrator (imports.Held), a rejected one ends (imports.Refused).
func (f *Feed) begin(ctx context.Context, j imports.Job) error {
	p, found, err := f.plan(ctx, j.ID)
	if err != nil {
		return err
	}
	if !found {
		if p, err = f.diff(ctx, j); err != nil {
			return err
		}
		err = f.Directory.Put(planKeyed(p)).If("attribute_not_exists(pk)").Run(ctx)
		if dynamo.IsCondCheckFailed(err) { // another run planned first: its plan stands
			if p, _, err = f.plan(ctx, j.ID); err != nil {
				return err
			}
		} else if err != nil {
			return fmt.Errorf("personnel feed: record plan of %s: %w", j.ID, err)
		}
	}
	switch p.Status {
	case Held:
		return &imports.Held{Reason: fmt.Sprintf("調出 %d 人、離職 %d 人，占範圍內 %d 位同仁的 %.1f%%，待系統管理者確認", p.Moved, p.Left, p.Staff, p.Share*100)}
	case Rejected:
		return &imports.Refused{Reason: "系統管理者已退回此人事資料名冊，未套用任何資料。"}
	}
	return nil
}

// diff compares a snapshot with the directory.
func (f *Feed) diff(ctx context.Context, j imports.Job) (Plan, error) {
	all, err := f.Agencies.All(ctx)
	if err != nil {
		return Plan{}, err
	}
	snap, scope, err := f.snapshot(ctx, j, func(c string) bool { _, ok := all[c]; return ok })
	if err != nil {
		return Plan{}, err
	}
	sort.Strings(scope)
	p := Plan{Job: j.ID, Status: Planned, Scope: scope, Created: f.Now().UTC()}
	nids := make([]string, 0, len(snap))
	for n := range snap {
		nids = append(nids, n)
	}
	sort.Strings(nids)
	refs, err := f.people().ByNationalIDs(ctx, nids)
	if err != nil {
		return Plan{}, err
	}
	ids := make([]string, 0, len(refs))
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	cur, err := f.people().GetMany(ctx, ids)
	if err != nil {
		return Plan{}, err
	}
	row := func(change string, q staff.Person, from, to string) {
		if len(p.Rows) < maxDiffRows {
			p.Rows = append(p.Rows, DiffRow{Change: change, NationalID: nid.Mask(q.NationalID), Name: q.Name, From: from, To: to})
		}
	}
	for _, n := range nids {
		q := snap[n]
		ref, ok := refs[n]
		old, ok2 := cur[ref.ID]
		switch {
		case !ok || !ok2:
			p.Added++
			row(Added, q, "", q.Agency)
		case old.Agency != q.Agency && old.InService():
			p.Moved++
			row(Moved, q, old.Agency, q.Agency)
		case old.InService() && !q.InService():
			p.Left++
			row(Left, q, old.Agency, "")
		default:
			q.ID, q.Member = old.ID, old.Member
			if q == normalized(old) {
				p.Unchanged++
				continue
			}
			p.Changed++
			row(Changed, q, old.Agency, q.Agency)
		}
	}
	before, err := f.staffOf(ctx, scope)
	if err != nil {
		return Plan{}, err
	}
	p.Staff = len(before)
	for _, q := range before {
		if _, ok := snap[q.NationalID]; !ok {
			p.Left++
			row(Left, q, q.Agency, "")
		}
	}
	if p.Staff > 0 {
		p.Share = math.Round(float64(p.Moved+p.Left)/float64(p.Staff)*10000) / 10000
	}
	share := f.HoldShare
	if share == 0 {
		share = DefaultHoldShare
	}
	if p.Staff > 0 && float64(p.Moved+p.Left) > share*float64(p.Staff) {
		p.Status = Held
	}
	if p.Added+p.Changed+p.Moved+p.Left == 0 {
		p.Note = "與現有人事資料完全相同：不會寫入任何資料。"
	}
	return p, nil
}

// HeldPlans lists the snapshots waiting for a decision, oldest first.
func (f *Feed) HeldPlans(ctx context.Context) ([]Plan, error) {
	var items []planItem
	if err := f.Directory.Get("gsi1pk", heldPK).Index("gsi1").All(ctx, &items); err != nil {
		return nil, fmt.Errorf("personnel feed: held snapshots: %w", err)
	}
	out := make([]Plan, len(items))
	for i, it := range items {
		out[i] = it.Plan
	}
	return out, nil
}

// Plan returns a job's plan (NotFound before the nightly batch made it).
func (f *Feed) Plan(ctx context.Context, job string) (Plan, error) {
	p, found, err := f.plan(ctx, job)
	if err == nil && !found {
		err = errcode.New(errcode.NotFound, "這份人事資料尚未比對（於夜間批次比對）。")
	}
	return p, err
}

// Decide confirms or rejects a held snapshot, once (a second decision, or
// one on a snapshot not held, is a conflict). A confirmed snapshot is
// applied by the next nightly batch; a rejected one ends failed there.
func (f *Feed) Decide(ctx context.Context, job, by string, confirm bool) (Plan, error) {
	p, err := f.Plan(ctx, job)
	if err != nil {
		return Plan{}, err
	}
	p.Status, p.DecidedBy, p.Decided = Rejected, by, f.Now().UTC()
	if confirm {
		p.Status = Confirmed
	}
	err = f.Directory.Put(planKeyed(p)).If("$ = ?", "status", Held).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return Plan{}, errcode.New(errcode.Conflict, "這份人事資料不在待確認狀態（可能已由他人確認或退回）。")
	}
	if err != nil {
		return Plan{}, fmt.Errorf("personnel feed: decide %s: %w", job, err)
	}
	return p, nil
}
