package catalog

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

type classItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	GSI2PK string `dynamo:"gsi2pk"`
	GSI2SK string `dynamo:"gsi2sk"`
	GSI3PK string `dynamo:"gsi3pk,omitempty"` // FRONT while not cancelled
	GSI3SK string `dynamo:"gsi3sk,omitempty"`
	NName  string `dynamo:"nName"` // normalised name and location, for partial matches
	NLoc   string `dynamo:"nLoc,omitempty"`
	Class
}

func agencyYear(agency string, year int) string {
	return fmt.Sprintf("AGENCYCLASSES#%s#%d", agency, year)
}

// ClassKeyed returns the item of a class with its index keys.
func ClassKeyed(c Class) any { return classKeyed(c) }

func classKeyed(c Class) classItem {
	it := classItem{PK: c.Key(), SK: "CLASS", GSI1PK: "CLASSEND#" + c.End, GSI1SK: c.Key(),
		GSI2PK: agencyYear(c.Agency, c.Year), GSI2SK: c.Created.UTC().Format(time.RFC3339Nano) + "#" + c.Key(),
		NName: normalize(c.Name), NLoc: normalize(c.Location), Class: c}
	if c.Status != Cancelled {
		it.GSI3PK, it.GSI3SK = FrontKey(c.Key()), c.lastVisibleDay()+"#"+c.Key()
	}
	return it
}

// FrontShards is how many gsi3 partitions the front-stage visibility of
// classes is spread over: one key would take every class write of the
// country (1,000 writes/s per partition); FrontPage reads them all and merges.
const FrontShards = 8

// FrontKey is the gsi3 key of the class of key (Class.Key): a stable hash of it.
func FrontKey(key string) string { return "FRONT#" + strconv.Itoa(store.Shard(key, FrontShards)) }

// SeatsSK is the sort key of a class's seat item: the count of enrollments
// holding a seat ("enrolled"), beside the class item in its partition. Only
// enrollment's transactions write it; no index key is on it.
const SeatsSK = "SEATS"

// GradesSK is the sort key of a class's grade sheet item (L6a): the version
// ("version") of its learners' hours and pass/fail, beside the class item.
// Only a grade save writes it, conditional on the version its officer read.
const GradesSK = "GRADES"

type seatsItem struct {
	PK       string `dynamo:"pk"`
	SK       string `dynamo:"sk"`
	Enrolled int    `dynamo:"enrolled"`
}

// SeatsKeyed returns the seat item of c holding c.Enrolled (demo data, tests).
func SeatsKeyed(c Class) any { return seatsItem{PK: c.Key(), SK: SeatsSK, Enrolled: c.Enrolled} }

// Repo reads and writes the catalogue. DB runs the transactions of an edit
// and a deletion (class item and seat item together); reads need only Table.
type Repo struct {
	Table dynamo.Table
	DB    *dynamo.DB
}

// withSeats fills in the seat counts of cs from their seat items (one
// BatchGetItem per hundred classes).
func (r Repo) withSeats(ctx context.Context, cs []Class) ([]Class, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	keys := make([]dynamo.Keyed, len(cs))
	at := make(map[string]int, len(cs))
	for i, c := range cs {
		keys[i] = dynamo.Keys{c.Key(), SeatsSK}
		at[c.Key()] = i
	}
	var seats []seatsItem
	err := r.Table.Batch("pk", "sk").Get(keys...).All(ctx, &seats)
	if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return nil, fmt.Errorf("seat counts of %d classes: %w", len(cs), err)
	}
	for _, s := range seats {
		if i, ok := at[s.PK]; ok {
			cs[i].Enrolled = s.Enrolled
		}
	}
	return cs, nil
}

func (r Repo) classesWithSeats(ctx context.Context, items []classItem) ([]Class, error) {
	return r.withSeats(ctx, classes(items))
}

// ClassesEndingOn lists the classes whose last day is date (ISO).
func (r Repo) ClassesEndingOn(ctx context.Context, date string) ([]Class, error) {
	var items []classItem
	if err := r.Table.Get("gsi1pk", "CLASSEND#"+date).Index("gsi1").All(ctx, &items); err != nil {
		return nil, fmt.Errorf("classes ending %s: %w", date, err)
	}
	return r.classesWithSeats(ctx, items)
}

func classes(items []classItem) []Class {
	out := make([]Class, len(items))
	for i, it := range items {
		out[i] = it.Class
	}
	return out
}

// Enrollees lists a class's enrollments in the given status ("" for all).
func (r Repo) Enrollees(ctx context.Context, c Class, status string) ([]Enrollment, error) {
	var items []enrollmentItem
	q := r.Table.Get("pk", c.Key()).Range("sk", dynamo.BeginsWith, "ENR#").Consistent(true)
	if status != "" {
		q = q.Filter("$ = ?", "status", status)
	}
	err := q.All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("enrollees of %s: %w", c.Key(), err)
	}
	out := make([]Enrollment, len(items))
	for i, it := range items {
		out[i] = it.Enrollment
	}
	return out, nil
}

// Get returns a class, or a NotFound error.
func (r Repo) Get(ctx context.Context, courseCode, session string) (Class, error) {
	it, err := store.Get[classItem](ctx, r.Table, ClassKey(courseCode, session), "CLASS", classNotFound(courseCode, session))
	if err != nil {
		return Class{}, err
	}
	var seats seatsItem
	err = r.Table.Get("pk", it.PK).Range("sk", dynamo.Equal, SeatsSK).Consistent(true).One(ctx, &seats)
	if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return Class{}, fmt.Errorf("seat count of %s: %w", it.PK, err)
	}
	it.Class.Enrolled = seats.Enrolled
	return it.Class, nil
}

// ClassNotFound is the answer for a class that does not exist and, word for
// word, for one the caller may not see: the two must not be told apart.
func ClassNotFound(courseCode, session string) error {
	return errcode.New(errcode.NotFound, classNotFound(courseCode, session))
}

func classNotFound(courseCode, session string) string {
	return fmt.Sprintf("找不到課程 %s 第 %s 期。", courseCode, session)
}

// OfAgency lists the classes an agency organises in a year, newest first.
func (r Repo) OfAgency(ctx context.Context, agency string, year int) ([]Class, error) {
	var items []classItem
	err := r.Table.Get("gsi2pk", agencyYear(agency, year)).Index("gsi2").Order(dynamo.Descending).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("classes of %s in %d: %w", agency, year, err)
	}
	return r.classesWithSeats(ctx, items)
}

// CreateClass stores a new class; a class with the same course code and
// session (anywhere) is a Conflict.
func (r Repo) CreateClass(ctx context.Context, c Class) error {
	err := r.Table.Put(classKeyed(c)).If("attribute_not_exists(pk)").Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return errcode.New(errcode.Conflict, fmt.Sprintf("課程代碼 %s 第 %s 期已存在，請改用其他期別。", c.CourseCode, c.Session))
	}
	if err != nil {
		return fmt.Errorf("create class %s: %w", c.Key(), err)
	}
	return nil
}

// UpdateClass saves an edited class if nobody saved it since prev was read.
// It sets only what officers edit, so counters (enrolled) kept by enrollment
// are never overwritten.
func (r Repo) UpdateClass(ctx context.Context, prev time.Time, c Class) error {
	it := classKeyed(c)
	u := r.Table.Update("pk", it.PK).Range("sk", it.SK).
		If("attribute_exists(pk) AND $ = ?", "updated", prev)
	set := func(name string, v any, zero bool) {
		if zero {
			u = u.Remove(name)
		} else {
			u = u.Set(name, v)
		}
	}
	set("name", c.Name, false)
	set("nName", it.NName, false)
	set("category", c.Category, false)
	set("nature", c.Nature, false)
	set("method", c.Method, false)
	set("start", c.Start, false)
	set("end", c.End, false)
	set("year", c.Year, false)
	set("unit", c.Unit, false)
	set("amount", c.Amount, false)
	set("hours", c.Hours, false)
	set("digitalHours", c.DigitalHours, c.DigitalHours == 0)
	set("physicalHours", c.PhysicalHours, c.PhysicalHours == 0)
	set("enrollStart", c.EnrollStart, c.EnrollStart == "")
	set("enrollEnd", c.EnrollEnd, c.EnrollEnd == "")
	set("goLive", c.GoLive, c.GoLive == "")
	set("capacity", c.Capacity, false)
	set("stopWhenFull", c.StopWhenFull, !c.StopWhenFull)
	set("fee", c.Fee, c.Fee == 0)
	set("restriction", c.Restriction, c.Restriction == "")
	set("survey", c.Survey, len(c.Survey) == 0)
	set("subjects", c.Subjects, len(c.Subjects) == 0)
	set("lecturers", c.Lecturers, len(c.Lecturers) == 0)
	set("location", c.Location, false)
	set("nLoc", it.NLoc, it.NLoc == "")
	set("city", c.City, c.City == "")
	set("updated", c.Updated, false)
	set("gsi1pk", it.GSI1PK, false)
	set("gsi2pk", it.GSI2PK, false)
	set("gsi3pk", it.GSI3PK, it.GSI3PK == "")
	set("gsi3sk", it.GSI3SK, it.GSI3SK == "")
	tx := r.DB.WriteTx().Update(u)
	if c.Capacity > 0 || c.StopWhenFull {
		// Enrollment checks the capacity it read on the class item in the
		// same transaction as it takes a seat, so one of the two waits.
		tx = tx.Check(r.Table.Check("pk", it.PK).Range("sk", SeatsSK).
			If("attribute_not_exists($) OR $ <= ?", "enrolled", "enrolled", c.Capacity))
	}
	err := tx.Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		cur, gerr := r.Get(ctx, c.CourseCode, c.Session)
		if gerr != nil {
			return gerr
		}
		if !cur.Updated.Equal(prev) {
			return errcode.New(errcode.Conflict, "這門課程剛被其他人修改過，請重新載入後再編輯。")
		}
		return errcode.Field("capacity", fmt.Sprintf("已有 %d 人報名，招收名額不可少於報名人數。", cur.Enrolled))
	}
	if err != nil {
		return fmt.Errorf("update class %s: %w", c.Key(), err)
	}
	return nil
}

// CancelClass marks a class cancelled (停辦): it leaves the front stage and
// keeps its enrollments.
func (r Repo) CancelClass(ctx context.Context, c Class, now time.Time) error {
	err := r.Table.Update("pk", c.Key()).Range("sk", "CLASS").If("attribute_exists(pk)").
		Set("status", Cancelled).Set("updated", now).Remove("gsi3pk").Remove("gsi3sk").Run(ctx)
	if err != nil {
		return fmt.Errorf("cancel class %s: %w", c.Key(), err)
	}
	return nil
}

// DeleteClass deletes a class nobody enrolled in. The condition on the
// enrollment counter, which enrollment keeps in the same transaction as
// each enrollment, closes the race with a learner enrolling meanwhile.
func (r Repo) DeleteClass(ctx context.Context, c Class) error {
	var any []enrollmentItem
	if err := r.Table.Get("pk", c.Key()).Range("sk", dynamo.BeginsWith, "ENR#").Limit(1).Consistent(true).All(ctx, &any); err != nil {
		return fmt.Errorf("enrollments of %s: %w", c.Key(), err)
	}
	inUse := errcode.New(errcode.Conflict, "此課程已有學員報名，不能刪除；如不開班請改用「停辦」。")
	if len(any) > 0 {
		return inUse
	}
	err := r.DB.WriteTx().
		Delete(r.Table.Delete("pk", c.Key()).Range("sk", "CLASS")).
		Delete(r.Table.Delete("pk", c.Key()).Range("sk", SeatsSK).
			If("attribute_not_exists($) OR $ = ?", "enrolled", "enrolled", 0)).
		Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return inUse
	}
	if err != nil {
		return fmt.Errorf("delete class %s: %w", c.Key(), err)
	}
	return nil
}

// ClassFilter is a course search (the fields the manual lists for L2 and L5).
type ClassFilter struct {
	Agency   string
	Year     int
	Name     string // partial, any width
	Code     string // partial
	Session  string
	From, To string // ISO dates: classes starting on or after From, ending on or before To
	Location string // partial
	Category string // the code or any code below it
	Method   string
	Nature   string // digital / physical / blended
	Fee      string // "free" or "paid"
	After    string // paging cursor
	Limit    int
}

// ClassPage is a page of classes, newest first.
type ClassPage struct {
	Items []Class `json:"items"`
	Next  string  `json:"next,omitempty"`
}

// SearchClasses pages through an agency's classes of a year, newest first,
// filtered. It reads one partition of gsi2 (one agency, one year).
func (r Repo) SearchClasses(ctx context.Context, f ClassFilter) (ClassPage, error) {
	q := r.Table.Get("gsi2pk", agencyYear(f.Agency, f.Year)).Index("gsi2").Order(dynamo.Descending)
	if f.After != "" {
		q = q.Range("gsi2sk", dynamo.Less, f.After)
	}
	if n := normalize(f.Name); n != "" {
		q = q.Filter("contains($, ?)", "nName", n)
	}
	if c := strings.ToUpper(strings.TrimSpace(f.Code)); c != "" {
		q = q.Filter("contains($, ?)", "courseCode", c)
	}
	if s := strings.TrimLeft(strings.TrimSpace(f.Session), "0"); s != "" {
		q = q.Filter("$ = ?", "session", s)
	}
	if f.From != "" {
		q = q.Filter("$ >= ?", "start", f.From)
	}
	if f.To != "" {
		q = q.Filter("$ <= ?", "end", f.To)
	}
	if l := normalize(f.Location); l != "" {
		q = q.Filter("contains($, ?)", "nLoc", l)
	}
	if f.Category != "" {
		q = q.Filter("begins_with($, ?)", "category", f.Category)
	}
	if f.Method != "" {
		q = q.Filter("$ = ?", "method", f.Method)
	}
	if f.Nature != "" {
		q = q.Filter("$ = ?", "nature", f.Nature)
	}
	switch f.Fee {
	case "free":
		q = q.Filter("attribute_not_exists($) OR $ = ?", "fee", "fee", 0)
	case "paid":
		q = q.Filter("$ > ?", "fee", 0)
	}
	var items []classItem
	err := q.Limit(f.Limit+1).All(ctx, &items)
	if err != nil {
		return ClassPage{}, fmt.Errorf("search classes of %s: %w", f.Agency, err)
	}
	var p ClassPage
	if len(items) > f.Limit {
		items = items[:f.Limit]
		p.Next = items[f.Limit-1].GSI2SK
	}
	if p.Items, err = r.classesWithSeats(ctx, items); err != nil {
		return ClassPage{}, err
	}
	return p, nil
}

// FrontPage lists the classes visible on the front stage at now, by the last
// day of enrollment, from the sparse FRONT index.
func (r Repo) FrontPage(ctx context.Context, now time.Time, after string, limit int) (ClassPage, error) {
	today := roc.Today(now)
	if after < today {
		after = today
	}
	// Each shard's next limit+1 after the cursor, merged by gsi3sk (unique:
	// it ends with the class key): the first limit of the merge are the page.
	shards := make([][]classItem, FrontShards)
	g, gctx := errgroup.WithContext(ctx)
	for i := range shards {
		g.Go(func() error {
			err := r.Table.Get("gsi3pk", "FRONT#"+strconv.Itoa(i)).Index("gsi3").Range("gsi3sk", dynamo.Greater, after).
				Filter("attribute_not_exists($) OR $ <= ?", "goLive", "goLive", now.UTC().Format(time.RFC3339)).
				Limit(limit+1).All(gctx, &shards[i])
			if err != nil {
				return fmt.Errorf("front-stage classes, shard %d: %w", i, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return ClassPage{}, err
	}
	items := slices.Concat(shards...)
	slices.SortFunc(items, func(a, b classItem) int { return strings.Compare(a.GSI3SK, b.GSI3SK) })
	var p ClassPage
	if len(items) > limit {
		items = items[:limit]
		p.Next = items[limit-1].GSI3SK
	}
	var err error
	if p.Items, err = r.classesWithSeats(ctx, items); err != nil {
		return ClassPage{}, err
	}
	return p, nil
}

func normalize(s string) string { return ngram.Normalize(s) }
