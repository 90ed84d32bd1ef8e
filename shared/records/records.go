// Package records holds learning records (學習紀錄), the store every statistic
// reads. Key design and access patterns are in shared/store/README.md.
package records

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Record statuses.
const (
	AwaitingHours = "awaiting_hours" // transferred from a roster; the organiser sets hours and pass/fail (L6a)
	PendingReview = "pending_review" // from a private institution; a personnel officer reviews it (P15)
	Final         = "final"
)

// Record is one person's learning in one course (or further study).
type Record struct {
	PersonID   string    `dynamo:"personId" json:"personId"`
	ID         string    `dynamo:"id" json:"id"`
	Agency     string    `dynamo:"agency" json:"agency"` // the learner's agency when learning
	Year       int       `dynamo:"year" json:"year"`
	Source     string    `dynamo:"source" json:"source"` // class / external / study
	CourseCode string    `dynamo:"courseCode,omitempty" json:"courseCode,omitempty"`
	Session    string    `dynamo:"session,omitempty" json:"session,omitempty"`
	CourseName string    `dynamo:"courseName" json:"courseName"`
	Category   string    `dynamo:"category" json:"category"`
	Start      string    `dynamo:"start" json:"start"`
	End        string    `dynamo:"end" json:"end"`
	Hours      int       `dynamo:"hours" json:"hours"`
	Passed     *bool     `dynamo:"passed" json:"passed"`
	Status     string    `dynamo:"status" json:"status"`
	Created    time.Time `dynamo:"created" json:"created"`
	// From uploads (L6a/L6b/L6c) and the course form.
	Nature        string `dynamo:"nature,omitempty" json:"nature,omitempty"` // digital / physical / blended
	DigitalHours  int    `dynamo:"digitalHours,omitempty" json:"digitalHours,omitempty"`
	PhysicalHours int    `dynamo:"physicalHours,omitempty" json:"physicalHours,omitempty"`
	Institution   string `dynamo:"institution,omitempty" json:"institution,omitempty"` // 訓練進修機構
	Score         *int   `dynamo:"score,omitempty" json:"score,omitempty"`
	City          string `dynamo:"city,omitempty" json:"city,omitempty"`
	Job           string `dynamo:"job,omitempty" json:"job,omitempty"` // the upload that wrote it
	// The learner's job title (職稱) and rank (官職等) when the record was
	// written, from the staff directory; corrected in P16.
	Title string `dynamo:"title,omitempty" json:"title,omitempty"`
	Rank  string `dynamo:"rank,omitempty" json:"rank,omitempty"`
	// The score download (P1) that last delivered the record; a rewrite of
	// the record (an upload's correction) clears it.
	DownloadedBy string    `dynamo:"downloadedBy,omitempty" json:"-"`
	DownloadedAt time.Time `dynamo:"downloadedAt,omitempty" json:"-"`
	// Notice: a correction notice is open (H6 → P1): the record changed after
	// a score download delivered it, and no download delivered it since.
	Notice bool `dynamo:"notice,omitempty" json:"notice,omitempty"`
}

type item struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	GSI2PK string `dynamo:"gsi2pk,omitempty"`
	GSI2SK string `dynamo:"gsi2sk,omitempty"`
	TodoPK string `dynamo:"todopk,omitempty"` // sparse: only while waiting for review
	TodoSK string `dynamo:"todosk,omitempty"`
	Record
}

// Keyed returns the item of r with all its index keys.
func Keyed(r Record) any {
	it := item{
		PK: "PERSON#" + r.PersonID, SK: fmt.Sprintf("REC#%d#%s", r.Year, r.ID),
		GSI1PK: AgencyKey(r.Agency, r.Year, r.PersonID), GSI1SK: r.Category + "#" + r.PersonID + "#" + r.ID,
		Record: r,
	}
	if r.CourseCode != "" {
		it.GSI2PK, it.GSI2SK = "CLASS#"+r.CourseCode+"#"+r.Session, r.PersonID
	}
	switch {
	case r.Status == PendingReview:
		it.TodoPK, it.TodoSK = ReviewKey(r.Agency), TodoSK(r)
	case r.Notice:
		it.TodoPK, it.TodoSK = NoticeKey(r.Agency), TodoSK(r)
	}
	return it
}

// AgencyShards is how many gsi1 keys an agency's records of a year are spread
// over: one key takes at most about 1,000 writes a second, and a large upload
// of one agency writes all its rows there. A person's records share a shard,
// so a one-person query reads one key.
const AgencyShards = 8

// AgencyKey is the gsi1 key of a record of agency and year, by its person.
func AgencyKey(agency string, year int, personID string) string {
	return agencyShardKey(agency, year, store.Shard(personID, AgencyShards))
}

func agencyShardKey(agency string, year, shard int) string {
	return fmt.Sprintf("AGENCY#%s#%d#%d", agency, year, shard)
}

// agencyKeys are the gsi1 keys to read for an agency's records of a year:
// the shards of persons, or every shard when persons is empty.
func agencyKeys(agency string, year int, persons ...string) []string {
	if len(persons) == 0 {
		out := make([]string, AgencyShards)
		for i := range out {
			out[i] = agencyShardKey(agency, year, i)
		}
		return out
	}
	var out []string
	for _, p := range persons {
		if k := AgencyKey(agency, year, p); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// NoticeOnRewrite says whether next, replacing old, carries a correction
// notice: old had one still open, or a score download delivered old and
// next changes what a download delivers (an identical rewrite is no news).
func NoticeOnRewrite(old, next Record) bool {
	return old.Notice || (old.DownloadedBy != "" && delivered(old) != delivered(next))
}

// deliveredFields are what a score download (P1) writes of a record.
type deliveredFields struct {
	agency, code, session, course, category, start, end, status string
	hours, digital, physical, score                             int
	passed, scored                                              bool
}

func delivered(r Record) deliveredFields {
	d := deliveredFields{agency: r.Agency, code: r.CourseCode, session: r.Session, course: r.CourseName,
		category: r.Category, start: r.Start, end: r.End, status: r.Status,
		hours: r.Hours, digital: r.DigitalHours, physical: r.PhysicalHours, passed: Counted(r)}
	if r.Score != nil {
		d.score, d.scored = *r.Score, true
	}
	return d
}

// TodoSK is a record's sort key in the todo index (every partition of it:
// by end date, person and id), and the cursor of the lists read from it.
func TodoSK(r Record) string { return r.End + "#" + r.PersonID + "#" + r.ID }

// openNotice adds to u what opens r's correction notice (as Keyed keys a
// record with one): the flag and the keys of its agency's notices.
func openNotice(u *dynamo.Update, r Record) *dynamo.Update {
	return u.Set("notice", true).Set("todopk", NoticeKey(r.Agency)).Set("todosk", TodoSK(r))
}

// The sparse "todo" index: only records waiting for someone carry its keys.
const TodoIndex = "todo"

// ReviewKey is the todo partition of an agency's records waiting for a
// personnel officer's review (P15); NoticeKey that of open correction notices (P1).
func ReviewKey(agency string) string { return "REVIEW#" + agency }

// NoticeKey: see ReviewKey.
func NoticeKey(agency string) string { return "NOTICE#" + agency }

// Sources of records.
const (
	SourceClass    = "class"    // a class of this portal (roster transfer, L6a)
	SourceExternal = "external" // a course not opened here (L6b, P15)
	SourceStudy    = "study"    // further study (L6c)
)

// ClassRecordID names the record a class produces for a person: one per class.
func ClassRecordID(courseCode, session string) string { return "C#" + courseCode + "#" + session }

// PersonYear names a person's records of a year (one learning summary).
type PersonYear struct {
	PersonID string
	Year     int
}

// Repo writes records, and records only: the learning summaries of the
// person-years they name are kept from the Records table's stream
// (shared/summary.Stream, issue 25), so no writer can forget them.
type Repo struct {
	Table dynamo.Table
}

// Create writes r unless a record with its key exists; it reports whether it wrote.
func (s Repo) Create(ctx context.Context, r Record) (bool, error) {
	n, err := s.CreateMany(ctx, []Record{r})
	return n == 1, err
}

// CreateMany writes each record unless one with its key exists, eight at a
// time; it reports how many it wrote.
func (s Repo) CreateMany(ctx context.Context, recs []Record) (int, error) {
	var n atomic.Int32
	err := each(ctx, recs, func(ctx context.Context, r Record) error {
		err := s.Table.Put(Keyed(r)).If("attribute_not_exists(pk)").Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("create record %s/%s: %w", r.PersonID, r.ID, err)
		}
		n.Add(1)
		return nil
	})
	if err != nil {
		return int(n.Load()), err
	}
	return int(n.Load()), nil
}

// WriteRecords puts records (an upload's rows): a record with the same key is
// replaced, so writing the same rows twice leaves one copy of each.
func (s Repo) WriteRecords(ctx context.Context, recs []Record) error {
	items := make([]any, len(recs))
	for i, r := range recs {
		items[i] = Keyed(r)
	}
	if err := store.WriteAll(ctx, s.Table, items, 8); err != nil {
		return err
	}
	return nil
}

// OfClass returns every learner's record of a class (L6a), by person: the
// class index holds only keys, so the items are read after it.
func (s Repo) OfClass(ctx context.Context, code, session string) ([]Record, error) {
	var keys []struct {
		PK string `dynamo:"pk"`
		SK string `dynamo:"sk"`
	}
	if err := s.Table.Get("gsi2pk", "CLASS#"+code+"#"+session).Index("gsi2").All(ctx, &keys); err != nil {
		return nil, fmt.Errorf("records of class %s#%s: %w", code, session, err)
	}
	want := make([]dynamo.Keyed, len(keys))
	for i, k := range keys {
		want[i] = dynamo.Keys{k.PK, k.SK}
	}
	items, err := store.GetMany[item](ctx, s.Table, want)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(items))
	for i, it := range items {
		out[i] = it.Record
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PersonID < out[j].PersonID })
	return out, nil
}

// Grade is what an organiser records for one learner's record of a class
// (L6a): the hours attended and whether the learner passed. Digital and
// Physical are the class's parts of its hours: the stored split of the
// graded hours is Split's over them, so it always adds up to Hours.
type Grade struct {
	Record            *Record
	Hours             int
	Passed            bool
	Digital, Physical int
}

// SetGrades sets the hours and pass/fail of records and makes them final.
// Each update is conditional on the record still existing, so a record
// deleted meanwhile is reported, not recreated half-empty; setting the same
// grades again changes nothing. A grade that changes a record a score
// download (P1) already delivered opens a correction notice (H6) and clears
// the download mark, as every other rewrite does.
func (s Repo) SetGrades(ctx context.Context, grades []Grade) (missing []string, err error) {
	var mu sync.Mutex
	err = each(ctx, grades, func(ctx context.Context, g Grade) error {
		found, err := s.grade(ctx, *g.Record, g)
		if err != nil {
			return fmt.Errorf("grade record %s/%s: %w", g.Record.PersonID, g.Record.ID, err)
		}
		if !found {
			mu.Lock()
			missing = append(missing, g.Record.PersonID)
			mu.Unlock()
		}
		return nil
	})
	if err != nil {
		return missing, err
	}
	return missing, nil
}

// grade writes one grade over r as read. A download may deliver the record
// between the organiser's read and this write, so the write is conditional
// on the download mark as read; when that changed, the record is read again
// (a few times at most: downloads are rare) and the notice decided anew.
func (s Repo) grade(ctx context.Context, r Record, g Grade) (found bool, err error) {
	for attempt := 1; ; attempt++ {
		next := r
		next.Hours, next.Passed, next.Status = g.Hours, &g.Passed, Final
		u := s.Table.Update("pk", "PERSON#"+r.PersonID).Range("sk", fmt.Sprintf("REC#%d#%s", r.Year, r.ID)).
			Set("hours", g.Hours).Set("passed", g.Passed).Set("status", Final).Add(versionAttr, 1).
			If("attribute_exists(pk)")
		if g.Digital+g.Physical > 0 { // the class's parts, split anew for the graded hours
			next.DigitalHours, next.PhysicalHours = Split(Record{Nature: r.Nature, Hours: g.Hours, DigitalHours: g.Digital, PhysicalHours: g.Physical})
			u = u.Set("digitalHours", next.DigitalHours).Set("physicalHours", next.PhysicalHours)
		}
		if NoticeOnRewrite(r, next) {
			u = openNotice(u, r).Remove(DownloadedBy, DownloadedAt)
		}
		if r.DownloadedBy == "" {
			u = u.If("attribute_not_exists($)", DownloadedBy)
		} else {
			u = u.If("$ = ?", DownloadedBy, r.DownloadedBy)
		}
		err := u.Run(ctx)
		if !dynamo.IsCondCheckFailed(err) {
			return true, err
		}
		cur, err := s.Get(ctx, r.PersonID, r.Year, r.ID)
		if errcode.Is(err, errcode.NotFound) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if attempt == 3 {
			return false, fmt.Errorf("delivered again by a download at each of %d attempts", attempt)
		}
		r = cur.Record
	}
}

// Delete removes records; it reports how many existed.
func (s Repo) Delete(ctx context.Context, recs []*Record) (int, error) {
	var n atomic.Int32
	err := each(ctx, recs, func(ctx context.Context, r *Record) error {
		err := s.Table.Delete("pk", "PERSON#"+r.PersonID).Range("sk", fmt.Sprintf("REC#%d#%s", r.Year, r.ID)).
			If("attribute_exists(pk)").Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete record %s/%s: %w", r.PersonID, r.ID, err)
		}
		n.Add(1)
		return nil
	})
	if err != nil {
		return int(n.Load()), err
	}
	return int(n.Load()), nil
}

// each runs f for the items, eight at a time (a class has tens to a few
// hundred learners: one request each, never a long serial wait).
func each[T any](ctx context.Context, items []T, f func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, it := range items {
		g.Go(func() error { return f(ctx, it) })
	}
	return g.Wait()
}

// OfClass is the record the course-end transfer writes for a learner of a
// class: waiting for hours and pass/fail, with the class's nature and its
// digital/physical split (so a blended class counts its two parts).
func OfClass(c catalog.Class, personID, agency string, now time.Time) Record {
	return Record{
		PersonID: personID, ID: ClassRecordID(c.CourseCode, c.Session), Agency: agency,
		Year: EndYear(c.End), Source: SourceClass, CourseCode: c.CourseCode, Session: c.Session,
		CourseName: c.Name, Category: c.Category, Start: c.Start, End: c.End,
		Hours: c.Hours, Nature: c.Nature, DigitalHours: c.DigitalHours, PhysicalHours: c.PhysicalHours,
		Status: AwaitingHours, Created: now.UTC(),
	}
}

// EndYear is the year a record counts in: that of its end date (STATISTICS.md;
// an upload's record of the same class takes the same year, so the two meet
// on one key). A class from Dec 30 to Jan 2 counts in the new year.
func EndYear(end string) int {
	y, err := strconv.Atoi(end[:min(4, len(end))])
	if err != nil {
		return 0
	}
	return y
}

// Transfer is the course-end roster transfer: approved enrollees of classes
// that ended on a day become records awaiting hours and pass/fail (L6a),
// stamped with the learner's title and rank from the directory (People nil:
// none).
type Transfer struct {
	Catalog catalog.Repo
	Records Repo
	People  People
	Now     func() time.Time
}

// People reads people of the staff directory by id (staff.Repo).
type People interface {
	GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error)
}

// TransferResult counts what one run did.
type TransferResult struct {
	Date    string `json:"date"`
	Classes int    `json:"classes"`
	Created int    `json:"created"`
	Existed int    `json:"existed"`
}

// Run transfers the classes that ended on date (ISO). Each record is written
// only if absent, so a second run, or a run after an interrupted one,
// creates each record exactly once.
func (t Transfer) Run(ctx context.Context, date string) (TransferResult, error) {
	res := TransferResult{Date: date}
	classes, err := t.Catalog.ClassesEndingOn(ctx, date)
	if err != nil {
		return res, err
	}
	for _, c := range classes {
		res.Classes++
		enrollees, err := t.Catalog.Enrollees(ctx, c, catalog.Approved)
		if err != nil {
			return res, err
		}
		recs := make([]Record, len(enrollees))
		ids := make([]string, len(enrollees))
		for i, e := range enrollees {
			recs[i], ids[i] = OfClass(c, e.PersonID, e.Agency, t.Now()), e.PersonID
		}
		if t.People != nil && len(ids) > 0 {
			// One batch read a class (100 keys a request): the title and
			// rank the learner holds when the class ends.
			people, err := t.People.GetMany(ctx, ids)
			if err != nil {
				return res, fmt.Errorf("transfer %s: %w", c.Key(), err)
			}
			for i := range recs {
				p := people[recs[i].PersonID]
				recs[i].Title, recs[i].Rank = p.Title, p.Rank
			}
		}
		wrote, err := t.Records.CreateMany(ctx, recs)
		if err != nil {
			return res, fmt.Errorf("transfer %s: %w", c.Key(), err)
		}
		res.Created += wrote
		res.Existed += len(recs) - wrote
	}
	slog.InfoContext(ctx, "roster transfer", "date", date, "classes", res.Classes, "created", res.Created, "existed", res.Existed)
	return res, nil
}
