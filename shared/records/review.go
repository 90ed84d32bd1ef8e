package records

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Private-institution hours (P15) and corrections of title and rank (P16):
// the records-level writes. Each batch is one DynamoDB transaction, so it is
// applied whole or not at all, and each update is conditional on the state
// the officer saw.

// Rejected is a private-institution record a personnel officer refused in
// P15: it keeps the reason and, not being final, counts nowhere.
const Rejected = "rejected"

// ReviewedKey is the todo-index partition of an agency's records reviewed in
// P15 (so P15 lists them without reading the agency's year); H6 counts only
// ReviewKey.
func ReviewedKey(agency string) string { return "REVIEWED#" + agency }

// MaxTxItems is the most items one DynamoDB transaction writes.
const MaxTxItems = 100

// ErrBatchStale: a record of a batch is no longer in the state the batch was
// decided on (another officer, or a deletion, came first); nothing was written.
var ErrBatchStale = errors.New("a record changed since it was read")

// ExternalRecordID is the record id of a course not opened here (L6b, P15): "B#"
// and the first 96 bits of the SHA-256 of its natural key, the same id an
// upload gives the same six values (shared/imports/hours.go), so a learner's
// report and an officer's upload of one course meet on one item.
func ExternalRecordID(nationalID, institution, course, start, end, category string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{nationalID, institution, course, start, end, category}, "\x1f")))
	return "B#" + hex.EncodeToString(sum[:12])
}

// Review is what P15 keeps on a record a learner reported.
type Review struct {
	ReportedBy string    `dynamo:"reportedBy,omitempty" json:"reportedBy,omitempty"` // the learner's person id
	Relevant   *bool     `dynamo:"relevant,omitempty" json:"relevant,omitempty"`     // 與業務相關, set at review
	Reason     string    `dynamo:"reason,omitempty" json:"reason,omitempty"`         // why it was rejected
	ReviewedBy string    `dynamo:"reviewedBy,omitempty" json:"reviewedBy,omitempty"`
	ReviewedAt time.Time `dynamo:"reviewedAt,omitempty" json:"reviewedAt,omitzero"`
}

// Reported is a record with its review.
type Reported struct {
	Record
	Review
}

type reviewItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	TodoPK string `dynamo:"todopk,omitempty"`
	TodoSK string `dynamo:"todosk,omitempty"`
	Record
	Review
}

func reviewSK(r Record) string { return fmt.Sprintf("REC#%d#%s", r.Year, r.ID) }

// Report writes a record a learner reported (pending review) unless one with
// its key exists; it answers the stored record and whether it wrote it, so a
// retried report answers the first one's record.
func (s Repo) Report(ctx context.Context, r Reported) (Reported, bool, error) {
	it := Keyed(r.Record).(item)
	put := reviewItem{PK: it.PK, SK: it.SK, GSI1PK: it.GSI1PK, GSI1SK: it.GSI1SK, TodoPK: it.TodoPK, TodoSK: it.TodoSK,
		Record: r.Record, Review: r.Review}
	err := s.Table.Put(put).If("attribute_not_exists(pk)").Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		got, err := store.Get[reviewItem](ctx, s.Table, it.PK, it.SK, "紀錄不存在。")
		if err != nil {
			return Reported{}, false, err
		}
		return Reported{got.Record, got.Review}, false, nil
	}
	if err != nil {
		return Reported{}, false, fmt.Errorf("report record %s/%s: %w", r.PersonID, r.ID, err)
	}
	return r, true, nil
}

// ReportedBy returns the records a learner reported (every year), newest end first.
func (s Repo) ReportedBy(ctx context.Context, personID string) ([]Reported, error) {
	var items []reviewItem
	err := s.Table.Get("pk", "PERSON#"+personID).Range("sk", dynamo.BeginsWith, "REC#").
		Filter("$ = ?", "reportedBy", personID).Order(dynamo.Descending).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("records reported by %s: %w", personID, err)
	}
	return reported(items), nil
}

func reported(items []reviewItem) []Reported {
	out := make([]Reported, len(items))
	for i, it := range items {
		out[i] = Reported{it.Record, it.Review}
	}
	return out
}

// ReviewPage pages the keys of a todo-index partition (ReviewKey or
// ReviewedKey of an agency) whose sort key begins with prefix (a year:
// "2026-"), after the sort key after, at most limit; it answers the records
// (read after the keys-only index) in index order and the sort key to go on
// from ("" at the end).
func (s Repo) ReviewPage(ctx context.Context, partition, prefix, after string, limit int) ([]Reported, string, error) {
	q := s.Table.Get("todopk", partition).Index(TodoIndex)
	if after != "" {
		q = q.Range("todosk", dynamo.Greater, after)
	} else if prefix != "" {
		q = q.Range("todosk", dynamo.BeginsWith, prefix)
	}
	var keys []struct {
		PK     string `dynamo:"pk"`
		SK     string `dynamo:"sk"`
		TodoSK string `dynamo:"todosk"`
	}
	lek, err := q.SearchLimit(limit).AllWithLastEvaluatedKey(ctx, &keys)
	if err != nil {
		return nil, "", fmt.Errorf("records of %s: %w", partition, err)
	}
	var want []dynamo.Keyed
	order := map[string]int{}
	next := ""
	for _, k := range keys {
		if prefix != "" && !strings.HasPrefix(k.TodoSK, prefix) { // past the year, after a cursor
			lek = nil
			break
		}
		order[k.PK+"\x00"+k.SK] = len(want)
		want = append(want, dynamo.Keys{k.PK, k.SK})
		next = k.TodoSK
	}
	if lek == nil {
		next = ""
	}
	items, err := store.GetMany[reviewItem](ctx, s.Table, want)
	if err != nil {
		return nil, "", err
	}
	out := make([]Reported, len(want))
	found := make([]bool, len(want))
	for _, it := range items {
		i := order[it.PK+"\x00"+it.SK]
		out[i], found[i] = Reported{it.Record, it.Review}, true
	}
	kept := out[:0]
	for i, r := range out {
		if found[i] { // deleted between the index and the read
			kept = append(kept, r)
		}
	}
	return kept, next, nil
}

// GetWithReview reads records by key (person and record id), with their reviews;
// missing ones are absent.
func (s Repo) GetWithReview(ctx context.Context, keys []RecordRef) (map[RecordRef]Reported, error) {
	want := make([]dynamo.Keyed, 0, len(keys))
	seen := map[RecordRef]bool{} // a batch get refuses the same key twice
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			want = append(want, dynamo.Keys{"PERSON#" + k.PersonID, fmt.Sprintf("REC#%d#%s", k.Year, k.ID)})
		}
	}
	var items []reviewItem
	for start := 0; start < len(want); start += 100 {
		part, err := store.GetMany[reviewItem](ctx, s.Table, want[start:min(start+100, len(want))])
		if err != nil {
			return nil, err
		}
		items = append(items, part...)
	}
	out := make(map[RecordRef]Reported, len(items))
	for _, it := range items {
		out[RecordRef{it.PersonID, it.Year, it.ID}] = Reported{it.Record, it.Review}
	}
	return out, nil
}

// RecordRef names one record.
type RecordRef struct {
	PersonID string `json:"personId"`
	Year     int    `json:"year"`
	ID       string `json:"id"`
}

// Ref of r.
func (r Record) Ref() RecordRef { return RecordRef{r.PersonID, r.Year, r.ID} }

// Decision is a personnel officer's review of one pending record (P15).
type Decision struct {
	Record   Record
	Approve  bool
	Relevant bool
	Reason   string // rejections only
}

// Decide applies a batch of reviews in one transaction, each conditional on
// its record still waiting for review. When a condition fails it rereads the
// records: if each already holds its decision (the same batch applied before:
// a retry) it succeeds; otherwise it answers ErrBatchStale and nothing of the
// batch was written. Approved records become final (they count from then on);
// rejected ones keep the reason. Both leave the to-do partition for the
// reviewed one.
func (s Repo) Decide(ctx context.Context, db *dynamo.DB, by string, at time.Time, ds []Decision) error {
	if len(ds) == 0 {
		return nil
	}
	if len(ds) > MaxTxItems {
		return fmt.Errorf("decide %d records: at most %d in one transaction", len(ds), MaxTxItems)
	}
	tx := db.WriteTx()
	for _, d := range ds {
		r := d.Record
		u := s.Table.Update("pk", "PERSON#"+r.PersonID).Range("sk", reviewSK(r)).
			Set("relevant", d.Relevant).Set("reviewedBy", by).Set("reviewedAt", at.UTC()).
			Set("todopk", ReviewedKey(r.Agency)).Set("todosk", TodoSK(r)).
			If("$ = ?", "status", PendingReview)
		if d.Approve {
			u = u.Set("status", Final).Remove("reason")
		} else {
			u = u.Set("status", Rejected).Set("reason", d.Reason)
		}
		tx.Update(u)
	}
	err := tx.Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		if same, rerr := s.decided(ctx, ds); rerr != nil {
			return rerr
		} else if !same {
			return ErrBatchStale
		}
	} else if err != nil {
		return fmt.Errorf("decide %d records: %w", len(ds), err)
	}
	return nil
}

// decided reports whether every record already holds its decision.
func (s Repo) decided(ctx context.Context, ds []Decision) (bool, error) {
	keys := make([]RecordRef, len(ds))
	for i, d := range ds {
		keys[i] = d.Record.Ref()
	}
	now, err := s.GetWithReview(ctx, keys)
	if err != nil {
		return false, err
	}
	for _, d := range ds {
		r, ok := now[d.Record.Ref()]
		want := Rejected
		if d.Approve {
			want = Final
		}
		if !ok || r.Status != want || r.Relevant == nil || *r.Relevant != d.Relevant || (!d.Approve && r.Reason != d.Reason) {
			return false, nil
		}
	}
	return true, nil
}

// Correction sets the job title and rank of one record (P16); Record is the
// record as the officer read it.
type Correction struct {
	Record      Record
	Title, Rank string
}

// Correct applies a batch of corrections in one transaction with an audit
// entry per change (audit(c) is the put of c's entry). Each update is
// conditional on the record's title and rank still being those read; on a
// failed condition it rereads: if each record already holds its new values
// (a retry) it succeeds, otherwise it answers ErrBatchStale and nothing was
// written. Two items a correction: at most MaxTxItems/2 in a batch.
func (s Repo) Correct(ctx context.Context, db *dynamo.DB, cs []Correction, audit func(Correction) *dynamo.Put) error {
	if len(cs) == 0 {
		return nil
	}
	if 2*len(cs) > MaxTxItems {
		return fmt.Errorf("correct %d records: at most %d in one transaction", len(cs), MaxTxItems/2)
	}
	tx := db.WriteTx()
	for _, c := range cs {
		r := c.Record
		// An empty title or rank is an absent attribute (omitempty), so
		// absent matches too: no write ever removes one once set.
		tx.Update(s.Table.Update("pk", "PERSON#"+r.PersonID).Range("sk", reviewSK(r)).
			Set("title", c.Title).Set("rank", c.Rank).
			If("attribute_exists(pk) AND (attribute_not_exists($) OR $ = ?) AND (attribute_not_exists($) OR $ = ?)",
				"title", "title", r.Title, "rank", "rank", r.Rank))
		tx.Put(audit(c))
	}
	err := tx.Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		keys := make([]RecordRef, len(cs))
		for i, c := range cs {
			keys[i] = c.Record.Ref()
		}
		now, rerr := s.GetWithReview(ctx, keys)
		if rerr != nil {
			return rerr
		}
		for _, c := range cs {
			if r, ok := now[c.Record.Ref()]; !ok || r.Title != c.Title || r.Rank != c.Rank {
				return ErrBatchStale
			}
		}
	} else if err != nil {
		return fmt.Errorf("correct %d records: %w", len(cs), err)
	}
	return nil
}
