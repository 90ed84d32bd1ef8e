package records

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// AgencyFilter narrows an agency's records of a year. Empty fields match all.
type AgencyFilter struct {
	From, To   string // end date range, ISO, inclusive
	CourseName string // part of the course name
	CourseCode string // the class's course code, exactly (P16)
	Session    string // the class's session, exactly (P16)
	PersonID   string
	Category   string // the category and every category below it (codes nest by prefix)
	FinalOnly  bool   // only records with a result (final): what a score download delivers
	// NotDownloaded keeps records no score download delivered yet, or that
	// the download Job delivered (so a retried job reads the same records).
	NotDownloaded bool
	Job           string
}

// Downloaded marks: which score download (P1) last delivered a record, and when.
const (
	DownloadedBy = "downloadedBy"
	DownloadedAt = "downloadedAt"
)

// OfAgency pages an agency's records of a year (the agency the learner
// belonged to when learning), by category, person and id. It answers the
// records, their keys (for marking) and the key to continue from.
func (s Repo) OfAgency(ctx context.Context, agency string, year int, f AgencyFilter, after string, limit int) ([]Record, []dynamo.Keys, string, error) {
	var persons []string
	if f.PersonID != "" {
		persons = []string{f.PersonID}
	}
	items, next, err := store.ShardedPage(ctx, agencyKeys(agency, year, persons...), func(pk, after string) *dynamo.Query {
		q := s.Table.Get("gsi1pk", pk).Index("gsi1")
		if after != "" {
			q = q.Range("gsi1sk", dynamo.Greater, after)
		}
		if f.From != "" {
			q.Filter("$ >= ?", "end", f.From)
		}
		if f.To != "" {
			q.Filter("$ <= ?", "end", f.To)
		}
		if f.CourseName != "" {
			q.Filter("contains($, ?)", "courseName", f.CourseName)
		}
		if f.PersonID != "" {
			q.Filter("$ = ?", "personId", f.PersonID)
		}
		if f.CourseCode != "" {
			q.Filter("$ = ?", "courseCode", f.CourseCode)
		}
		if f.Session != "" {
			q.Filter("$ = ?", "session", f.Session)
		}
		if f.Category != "" {
			q.Filter("begins_with($, ?)", "category", f.Category)
		}
		if f.FinalOnly {
			q.Filter("$ = ?", "status", Final)
		}
		if f.NotDownloaded {
			q.Filter("attribute_not_exists($) OR $ = ?", DownloadedBy, DownloadedBy, f.Job)
		}
		return q
	}, "gsi1sk", func(it item) string { return it.GSI1SK }, after, limit)
	if err != nil {
		return nil, nil, "", fmt.Errorf("records of %s in %d: %w", agency, year, err)
	}
	out := make([]Record, len(items))
	keys := make([]dynamo.Keys, len(items))
	for i, it := range items {
		out[i], keys[i] = it.Record, dynamo.Keys{it.PK, it.SK}
	}
	return out, keys, next, nil
}

// MarkDownloaded records that score download job delivered the records of
// keys. A record the same job marked already is left as it is (a retried
// job marks nothing twice); a record deleted meanwhile is skipped.
func (s Repo) MarkDownloaded(ctx context.Context, keys []dynamo.Keys, job string, at time.Time) (int, error) {
	var n atomic.Int32
	err := each(ctx, keys, func(ctx context.Context, k dynamo.Keys) error {
		err := s.Table.Update("pk", k[0]).Range("sk", k[1]).Set(DownloadedBy, job).Set(DownloadedAt, at.UTC()).
			If("attribute_exists(pk) AND (attribute_not_exists($) OR $ <> ?)", DownloadedBy, DownloadedBy, job).Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("mark %v downloaded: %w", k, err)
		}
		n.Add(1)
		return nil
	})
	return int(n.Load()), err
}

// Notices pages an agency's records of a year with an open correction notice
// (the todo index's NOTICE# partition, by end date, person and id) matching f;
// it answers like OfAgency, the key to continue from being the index's.
func (s Repo) Notices(ctx context.Context, agency string, year int, f AgencyFilter, after string, limit int) ([]Record, []dynamo.Keys, string, error) {
	page, next, err := s.ReviewPage(ctx, NoticeKey(agency), fmt.Sprintf("%d-", year), after, limit)
	if err != nil {
		return nil, nil, "", err
	}
	var out []Record
	var keys []dynamo.Keys
	for _, p := range page {
		if r := p.Record; f.matches(r) {
			out = append(out, r)
			keys = append(keys, dynamo.Keys{"PERSON#" + r.PersonID, fmt.Sprintf("REC#%d#%s", r.Year, r.ID)})
		}
	}
	return out, keys, next, nil
}

// matches is OfAgency's filter, for records read by key.
func (f AgencyFilter) matches(r Record) bool {
	return (f.From == "" || r.End >= f.From) && (f.To == "" || r.End <= f.To) &&
		(f.CourseName == "" || strings.Contains(r.CourseName, f.CourseName)) &&
		(f.PersonID == "" || r.PersonID == f.PersonID) &&
		(f.CourseCode == "" || r.CourseCode == f.CourseCode) && (f.Session == "" || r.Session == f.Session) &&
		(f.Category == "" || strings.HasPrefix(r.Category, f.Category)) &&
		(!f.FinalOnly || r.Status == Final) &&
		(!f.NotDownloaded || r.DownloadedBy == "" || r.DownloadedBy == f.Job)
}

// ClearNotices closes the correction notices of the records of keys (a score
// download delivered them): the record leaves the todo index. A record
// without a notice, or deleted meanwhile, is left as it is.
func (s Repo) ClearNotices(ctx context.Context, keys []dynamo.Keys) (int, error) {
	var n atomic.Int32
	err := each(ctx, keys, func(ctx context.Context, k dynamo.Keys) error {
		err := s.Table.Update("pk", k[0]).Range("sk", k[1]).Remove("notice", "todopk", "todosk").
			If("attribute_exists($)", "notice").Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("close the correction notice of %v: %w", k, err)
		}
		n.Add(1)
		return nil
	})
	return int(n.Load()), err
}
