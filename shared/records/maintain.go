package records

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Online maintenance of records not of a class (L6b, L6c; shared/hoursmaint):
// find, revise hours and pass/fail, delete. A revision is conditional on the
// record's stamp, so a stale screen's save is refused rather than applied.

// versionAttr counts a record's online revisions. An upload rewrites the
// whole item (dropping it) under its own job id (keeping the record's first
// created time, for 新增/更新), so (version, created, job) changes on every
// write either path makes.
const versionAttr = "version"

// Stamped is a record with the stamp of its last write.
type Stamped struct {
	Record
	Version int
}

type stampedItem struct {
	item
	Version int `dynamo:"version"`
}

// MaintainFilter narrows an agency's records of a year. Empty fields match all.
type MaintainFilter struct {
	Source      string   // SourceExternal or SourceStudy
	FinalOnly   bool     // leave out records waiting for hours or review
	PersonIDs   []string // at most 100 (a DynamoDB IN list)
	Institution string   // part of the institution's name
	CourseName  string   // part of the course name
	From, To    string   // ISO: the course lies within [From, To]
	Category    string   // the category and every category below it
}

// Find pages an agency's records of a year by category, person and id; it
// answers the sort key to continue from ("" at the end).
func (s Repo) Find(ctx context.Context, agency string, year int, f MaintainFilter, after string, limit int) ([]Stamped, string, error) {
	items, next, err := store.ShardedPage(ctx, agencyKeys(agency, year, f.PersonIDs...), func(pk, after string) *dynamo.Query {
		q := s.Table.Get("gsi1pk", pk).Index("gsi1")
		if after != "" {
			q = q.Range("gsi1sk", dynamo.Greater, after)
		}
		for _, c := range []struct {
			expr, attr string
			value      any
			on         bool
		}{
			{"$ = ?", "source", f.Source, f.Source != ""},
			{"$ = ?", "status", Final, f.FinalOnly},
			{"contains($, ?)", "institution", f.Institution, f.Institution != ""},
			{"contains($, ?)", "courseName", f.CourseName, f.CourseName != ""},
			{"$ >= ?", "start", f.From, f.From != ""},
			{"$ <= ?", "end", f.To, f.To != ""},
			{"begins_with($, ?)", "category", f.Category, f.Category != ""},
		} {
			if c.on {
				q.Filter(c.expr, c.attr, c.value)
			}
		}
		if len(f.PersonIDs) > 0 {
			args := []any{"personId"}
			for _, id := range f.PersonIDs {
				args = append(args, id)
			}
			q.Filter("$ IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.PersonIDs)), ", ")+")", args...)
		}
		return q
	}, "gsi1sk", func(it stampedItem) string { return it.GSI1SK }, after, limit)
	if err != nil {
		return nil, "", fmt.Errorf("records of %s in %d: %w", agency, year, err)
	}
	out := make([]Stamped, len(items))
	for i, it := range items {
		out[i] = Stamped{Record: it.Record, Version: it.Version}
	}
	return out, next, nil
}

// Get reads one record; errcode.NotFound when there is none.
func (s Repo) Get(ctx context.Context, personID string, year int, id string) (Stamped, error) {
	var it stampedItem
	err := s.Table.Get("pk", "PERSON#"+personID).Range("sk", dynamo.Equal, fmt.Sprintf("REC#%d#%s", year, id)).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Stamped{}, errcode.New(errcode.NotFound, "找不到這筆學習紀錄（可能已被刪除），請重新查詢。")
	}
	if err != nil {
		return Stamped{}, fmt.Errorf("record %s/%s: %w", personID, id, err)
	}
	return Stamped{Record: it.Record, Version: it.Version}, nil
}

// Revision is a new set of hours and a result for a record, saved only if
// the record is still as read (Version and Created).
type Revision struct {
	Read          Stamped // the record as the officer saw it
	Hours         int
	Nature        string
	DigitalHours  int
	PhysicalHours int
	Passed        bool
}

// Revise saves a revision: errcode.Conflict when the record changed or was
// deleted since it was read. Like an upload's rewrite, it clears the record's
// download mark, so the next score download delivers the correction, and a
// record a download had delivered gets a correction notice (H6 → P1).
func (s Repo) Revise(ctx context.Context, v Revision) (int, error) {
	r := v.Read.Record
	u := s.Table.Update("pk", "PERSON#"+r.PersonID).Range("sk", fmt.Sprintf("REC#%d#%s", r.Year, r.ID)).
		Set("hours", v.Hours).Set("nature", v.Nature).Set("digitalHours", v.DigitalHours).
		Set("physicalHours", v.PhysicalHours).Set("passed", v.Passed).Set("status", Final).
		Set(versionAttr, v.Read.Version+1).Remove(DownloadedBy, DownloadedAt)
	next := r
	next.Hours, next.Nature, next.DigitalHours, next.PhysicalHours, next.Passed, next.Status =
		v.Hours, v.Nature, v.DigitalHours, v.PhysicalHours, &v.Passed, Final
	if NoticeOnRewrite(r, next) { // a delivered record corrected: H6's correction notice, P1 僅更正通知
		u = openNotice(u, r)
	}
	if v.Read.Version == 0 {
		u = u.If("attribute_exists(pk) AND $ = ? AND attribute_not_exists($)", "created", r.Created, versionAttr)
	} else {
		u = u.If("attribute_exists(pk) AND $ = ? AND $ = ?", "created", r.Created, versionAttr, v.Read.Version)
	}
	if r.Job == "" {
		u = u.If("attribute_not_exists($)", "job")
	} else {
		u = u.If("$ = ?", "job", r.Job)
	}
	err := u.Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return 0, errcode.New(errcode.Conflict, "這筆學習紀錄在您查詢後已被修改或刪除，請重新查詢後再修改。")
	}
	if err != nil {
		return 0, fmt.Errorf("revise record %s/%s: %w", r.PersonID, r.ID, err)
	}
	return v.Read.Version + 1, nil
}

// MaxDeleteAll is the most records DeleteAll removes at once (one transaction).
const MaxDeleteAll = 100

// DeleteAll removes records in one transaction: all of them or none. A
// record already gone is no error (a retried call deletes nothing twice).
func (s Repo) DeleteAll(ctx context.Context, db *dynamo.DB, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	if len(recs) > MaxDeleteAll {
		return fmt.Errorf("delete %d records: at most %d at once", len(recs), MaxDeleteAll)
	}
	tx := db.WriteTx()
	for _, r := range recs {
		tx.Delete(s.Table.Delete("pk", "PERSON#"+r.PersonID).Range("sk", fmt.Sprintf("REC#%d#%s", r.Year, r.ID)))
	}
	if err := tx.Run(ctx); err != nil {
		return fmt.Errorf("delete %d records: %w", len(recs), err)
	}
	return nil
}
