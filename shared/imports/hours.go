package imports

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// People finds civil servants by national ID.
type People interface {
	ByNationalIDs(ctx context.Context, nids []string) (map[string]staff.Ref, error)
}

// Classes finds a class by course code and session.
type Classes interface {
	Get(ctx context.Context, code, session string) (catalog.Class, error)
}

// HourRules applies L6r: the total is a whole number of hours, days or
// credits; digital hours (blank = the total) for digital learning, physical
// hours (blank = the total) for physical learning, both (adding up to the
// total) for blended learning. Online maintenance (shared/hoursmaint) checks
// with it too.
func HourRules(total, unit, nature, digital, physical string) (hours, dig, phy int, nat string, err *RowError) {
	t, err := wholeNumber("訓練總數", total, true)
	if err != nil {
		return
	}
	if t == 0 {
		return 0, 0, 0, "", rowErr("訓練總數須大於 0")
	}
	_, per, ok := catalog.UnitOf(unit)
	switch {
	case strings.TrimSpace(unit) == "":
		return 0, 0, 0, "", rowErr("請填寫訓練總數單位（1 小時、2 天、3 學分）")
	case !ok:
		return 0, 0, 0, "", rowErr("訓練總數單位「%s」不正確，請填 1（小時）、2（天）或 3（學分）", clip(unit))
	}
	hours = t * per
	d, err := wholeNumber("數位時數", digital, false)
	if err != nil {
		return
	}
	p, err := wholeNumber("實體時數", physical, false)
	if err != nil {
		return
	}
	switch strings.TrimSpace(nature) {
	case "1", "數位", "數位學習":
		nat = catalog.Digital
		if digital == "" {
			d = hours
		}
		if d != hours || p != 0 {
			return 0, 0, 0, "", rowErr("數位學習的數位時數須等於認證時數 %d 小時，且不填實體時數", hours)
		}
	case "2", "實體", "實體學習":
		nat = catalog.Physical
		if physical == "" {
			p = hours
		}
		if p != hours || d != 0 {
			return 0, 0, 0, "", rowErr("實體學習的實體時數須等於認證時數 %d 小時，且不填數位時數", hours)
		}
	case "3", "混成", "混成學習":
		nat = catalog.Blended
		if strings.TrimSpace(digital) == "" || strings.TrimSpace(physical) == "" || d == 0 || p == 0 {
			return 0, 0, 0, "", rowErr("混成學習須同時填寫數位時數與實體時數")
		}
		if d+p != hours {
			return 0, 0, 0, "", rowErr("混成學習的數位時數加實體時數（%d + %d）須等於認證時數 %d 小時", d, p, hours)
		}
	case "":
		return 0, 0, 0, "", rowErr("請填寫學習性質（1 數位、2 實體、3 混成）")
	default:
		return 0, 0, 0, "", rowErr("學習性質「%s」不正確，請填 1（數位）、2（實體）或 3（混成）", clip(nature))
	}
	return hours, d, p, nat, nil
}

// wholeNumber reads a non-negative whole number; "" is 0 unless required.
func wholeNumber(label, s string, required bool) (int, *RowError) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return 0, rowErr("請填寫%s", label)
		}
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if _, ferr := strconv.ParseFloat(s, 64); ferr == nil {
			if strings.HasPrefix(s, "-") {
				return 0, rowErr("%s不可為負數", label)
			}
			return 0, rowErr("%s只能填整數，不接受小數（%s）", label, s)
		}
		return 0, rowErr("%s「%s」不是數字", label, clip(s))
	}
	if n < 0 {
		return 0, rowErr("%s不可為負數", label)
	}
	if n > 100000 {
		return 0, rowErr("%s %d 過大", label, n)
	}
	return n, nil
}

func rowDate(label, s string) (string, *RowError) {
	if strings.TrimSpace(s) == "" {
		return "", rowErr("請填寫%s", label)
	}
	t, err := roc.Parse(s)
	if err != nil {
		return "", rowErr("%s：%v", label, err)
	}
	if t.Year() < 1950 || t.Year() > 2200 {
		return "", rowErr("%s「%s」不合理", label, clip(s))
	}
	return t.Format(time.DateOnly), nil
}

func rowText(label, s string, max int) (string, *RowError) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", rowErr("請填寫%s", label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", rowErr("%s不可超過 %d 字", label, max)
	}
	return s, nil
}

// hoursChecker checks and writes the learner-hour kinds.
type hoursChecker struct {
	kind     string
	job      Job
	people   People
	classes  Classes
	cats     *codes.Table
	writer   RecordWriter
	stored   RecordLookup
	pointers PlatformPointers
	agencies Agencies
	clients  auth.PlatformLoader
	scope    writerScope // whom the job may write for (scope.go), read by the first Check
	scoped   bool
	mu       sync.Mutex           // guards the caches: the apply workers share one checker
	cache    map[string]staff.Ref // national ID → person ("" ID: not found)
	classMem map[string]classLookup
	agMem    map[string]agency.Agency // the people's agencies, for the scope
}

type classLookup struct {
	c   catalog.Class
	err *RowError
}

// maxCache bounds the national-ID cache (about 130 bytes an entry: ~7 MB):
// memory stays flat however many people a file names. A file naming more
// distinct people than this reads some of them again (10 batch reads a chunk
// at most, against the chunk's 40 batch writes).
const maxCache = 50_000

// lookup finds the rows' people not yet known and returns the people of
// the rows (a snapshot, so the caller reads it without the lock).
func (h *hoursChecker) lookup(ctx context.Context, rows []Row) (map[string]staff.Ref, error) {
	known := make(map[string]staff.Ref, len(rows))
	var want []string
	h.mu.Lock()
	for _, r := range rows {
		id := strings.ToUpper(r.Get(cNID))
		if p, ok := h.cache[id]; ok {
			known[id] = p
		} else if nid.Valid(id) {
			want = append(want, id)
		}
	}
	h.mu.Unlock()
	if len(want) == 0 {
		return known, nil
	}
	found, err := h.people.ByNationalIDs(ctx, want)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.cache)+len(want) > maxCache {
		h.cache = map[string]staff.Ref{}
	}
	for _, id := range want {
		h.cache[id] = found[id] // zero Ref: not found
		known[id] = found[id]
	}
	return known, nil
}

func (h *hoursChecker) class(ctx context.Context, code, session string) (catalog.Class, *RowError, error) {
	k := code + "#" + session
	h.mu.Lock()
	got, ok := h.classMem[k]
	h.mu.Unlock()
	if ok {
		return got.c, got.err, nil
	}
	c, err := h.classes.Get(ctx, code, session)
	var res classLookup
	switch {
	case errcode.Is(err, errcode.NotFound):
		res.err = rowErr("找不到課程代碼 %s 第 %s 期的班期；課程代碼與期別須與建立課程時相同", clip(code), clip(session))
	case err != nil:
		return catalog.Class{}, nil, err
	case c.Agency != h.job.Agency:
		res.err = rowErr("課程代碼 %s 第 %s 期不是本機關開設的班期", code, session)
	default:
		res.c = c
	}
	h.mu.Lock()
	h.classMem[k] = res
	h.mu.Unlock()
	return res.c, res.err, nil
}

func (h *hoursChecker) Check(ctx context.Context, rows []Row) ([]Outcome, error) {
	h.mu.Lock()
	if !h.scoped {
		sc, err := loadScope(ctx, h.job, h.agencies, h.clients)
		if err != nil {
			h.mu.Unlock()
			return nil, err
		}
		h.scope, h.scoped = sc, true
	}
	h.mu.Unlock()
	people, err := h.lookup(ctx, rows)
	if err != nil {
		return nil, err
	}
	if err := h.agenciesOf(ctx, people); err != nil {
		return nil, err
	}
	out := make([]Outcome, len(rows))
	for i, r := range rows {
		out[i].Line = r.Line
		if r.Bad != nil {
			out[i].Err = r.Bad
			continue
		}
		if h.scope.refused != nil {
			out[i].Err = h.scope.refused
			continue
		}
		rec, key, rerr, err := h.checkRow(ctx, r, people)
		if err != nil {
			return nil, err
		}
		out[i].Key, out[i].Err, out[i].Value = key, rerr, rec
	}
	return out, nil
}

func (h *hoursChecker) checkRow(ctx context.Context, r Row, people map[string]staff.Ref) (records.Record, string, *RowError, error) {
	var rec records.Record
	recordID := r.Get(cRecordID)
	if h.kind == Platform {
		switch {
		case recordID == "":
			return rec, "", rowErrCode(CodeMissingRecordID, "請填寫平台紀錄編號"), nil
		case len(recordID) > limits.ID:
			return rec, "", rowErrCode(CodeMissingRecordID, "平台紀錄編號不可超過 %d 個字元", limits.ID), nil
		}
	}
	id := strings.ToUpper(r.Get(cNID))
	if id == "" {
		return rec, "", rowErr("請填寫身分證字號"), nil
	}
	if err := nid.Check(id); err != nil {
		return rec, "", rowErr("身分證字號「%s」不正確：%v", nid.Mask(id), err), nil
	}
	p := people[id]
	if p.ID == "" {
		return rec, "", rowErrCode(CodeUnknownPerson, "系統中查無身分證字號 %s 的人員", nid.Mask(id)), nil
	}
	// Only for the writer's own people (scope.go); an L6a class's enrolled
	// learner of another agency is judged once the class is known.
	outside := !h.admits(p)
	if outside && h.kind != HoursClass {
		return rec, "", outsideScope(p, id), nil
	}
	if name := r.Get(cName); name == "" {
		return rec, "", rowErr("請填寫姓名"), nil
	} else if p.Name != "" && strings.ReplaceAll(name, " ", "") != strings.ReplaceAll(p.Name, " ", "") {
		return rec, "", rowErr("姓名與身分證字號 %s 不符", nid.Mask(id)), nil
	}
	hours, dig, phy, nat, rerr := HourRules(r.Get(cTotal), r.Get(cUnit), r.Get(cNature), r.Get(cDigital), r.Get(cPhysical))
	if rerr != nil {
		return rec, "", rerr, nil
	}
	rec = records.Record{PersonID: p.ID, Agency: p.Agency, Title: p.Title, Rank: p.Rank, Hours: hours, Nature: nat, DigitalHours: dig, PhysicalHours: phy,
		Status: records.Final, Created: h.job.Created, Job: h.job.ID, City: r.Get(cCity)}
	if s := r.Get(cScore); s != "" {
		n, err := wholeNumber("訓練成績", s, false)
		if err != nil {
			return rec, "", err, nil
		}
		if n > 100 {
			return rec, "", rowErr("訓練成績須介於 0 到 100"), nil
		}
		rec.Score = &n
	}
	var key string
	switch h.kind {
	case HoursClass:
		code, session := strings.ToUpper(r.Get(cCode)), strings.TrimLeft(r.Get(cSession), "0")
		if code == "" || session == "" {
			return rec, "", rowErr("已開班的時數須填寫課程代碼與期別"), nil
		}
		c, rerr, err := h.class(ctx, code, session)
		if err != nil || rerr != nil {
			return rec, "", rerr, err
		}
		passed := true
		switch strings.ToUpper(r.Get(cPass)) {
		case "", "通過", "Y", "1", "是":
		case "不通過", "N", "0", "否":
			passed = false
		default:
			return rec, "", rowErr("認證結果「%s」不正確，請填 通過 或 不通過", clip(r.Get(cPass))), nil
		}
		rec.ID, rec.Source, rec.CourseCode, rec.Session = records.ClassRecordID(code, session), records.SourceClass, code, session
		rec.CourseName, rec.Category, rec.Start, rec.End, rec.Passed = c.Name, c.Category, c.Start, c.End, &passed
		key = id + "\x1f" + code + "\x1f" + session
	case HoursExternal, HoursStudy, Platform:
		inst := r.Get(cInst)
		if _, ok := r.m.index[cInst]; !ok {
			inst = h.job.AgencyName // the portal's 25/19-column layouts have no institution column
		}
		if h.kind == Platform && inst == "" {
			inst = h.job.Params["clientName"]
		}
		var err *RowError
		if rec.Institution, err = rowText("訓練進修機構名稱", inst, 100); err != nil {
			return rec, "", err, nil
		}
		if rec.CourseName, err = rowText("課程名稱", r.Get(cCourse), 100); err != nil {
			return rec, "", err, nil
		}
		if rec.Start, err = rowDate("起始日期", r.Get(cStart)); err != nil {
			return rec, "", err, nil
		}
		if rec.End, err = rowDate("終迄日期", r.Get(cEnd)); err != nil {
			return rec, "", err, nil
		}
		if rec.End < rec.Start {
			return rec, "", rowErr("終迄日期不可早於起始日期"), nil
		}
		pass := true
		rec.Passed = &pass
		if h.kind == HoursExternal || h.kind == Platform {
			rec.Source, rec.Category = records.SourceExternal, r.Get(cCategory)
			if rec.Category == "" {
				return rec, "", rowErr("請填寫課程類別代碼"), nil
			}
			if _, ok := h.cats.Lookup(rec.Category); !ok {
				return rec, "", rowErr("課程類別代碼 %s 不在類別代碼表中", clip(rec.Category)), nil
			}
		} else {
			rec.Source = records.SourceStudy
			switch t := r.Get(cStudyType); t {
			case "1", "2", "3", "4":
				rec.Category = "study" + t
			default:
				return rec, "", rowErr("進修類別「%s」不正確，請填 1 到 4", clip(t)), nil
			}
		}
		natural := strings.Join([]string{id, rec.Institution, rec.CourseName, rec.Start, rec.End, rec.Category}, "\x1f")
		sum := sha256.Sum256([]byte(natural))
		prefix := "B#"
		if h.kind == HoursStudy {
			prefix = "S#"
		}
		rec.ID, key = prefix+hex.EncodeToString(sum[:12]), natural
		if h.kind == Platform { // the platform's own id names the record: a resend updates it
			rec.ID, key = PlatformRecordID(h.job.Params["client"], recordID), recordID
		}
	}
	rec.Year = atoiYear(rec.End)
	if outside {
		if ok, err := h.learnerOf(ctx, rec); err != nil || !ok {
			return rec, "", outsideScope(p, id), err
		}
	}
	return rec, key, nil, nil
}

// PlatformRecordID names the record a platform's record id gives: the same
// client and id always name the same record, another client's never.
func PlatformRecordID(client, recordID string) string {
	sum := sha256.Sum256([]byte(client + "\x1f" + recordID))
	return "P#" + hex.EncodeToString(sum[:12])
}

func atoiYear(iso string) int {
	y, _ := strconv.Atoi(iso[:4])
	return y
}

func (h *hoursChecker) Apply(ctx context.Context, outs []Outcome) error {
	var recs []records.Record
	var at []int
	for i, o := range outs {
		if o.Err == nil {
			recs = append(recs, o.Value.(records.Record))
			at = append(at, i)
		}
	}
	if len(recs) == 0 {
		return nil
	}
	var moved []*records.Record
	var ptrs map[string]PlatformPointer
	order := StagingOrder(h.job)
	if h.kind == Platform {
		var err error
		if ptrs, err = h.pointers.Get(ctx, recs); err != nil {
			return err
		}
		// Defence in depth (one client's batches are applied one at a time,
		// in staging order: platformorder.go): a record a batch staged later
		// already wrote is not written over with this older batch's.
		kept := recs[:0]
		keptAt := at[:0]
		for i, r := range recs {
			if p, ok := ptrs[r.ID]; ok && p.Order > order {
				outs[at[i]].Err = rowErrCode(CodeSuperseded, "這筆平台紀錄已由較晚送達的批次更新，本批次的內容未寫入。")
				continue
			}
			kept, keptAt = append(kept, r), append(keptAt, at[i])
		}
		recs, at = kept, keptAt
		if len(recs) == 0 {
			return nil
		}
	}
	if h.stored != nil {
		// What each record was: at its own key, or (a platform record whose
		// person or year changed) where its pointer says it is.
		want := make([]records.Record, 0, len(recs))
		want = append(want, recs...)
		for _, r := range recs {
			if p, ok := ptrs[r.ID]; ok && (p.PersonID != r.PersonID || p.Year != r.Year) {
				want = append(want, records.Record{PersonID: p.PersonID, Year: p.Year, ID: r.ID})
			}
		}
		found, err := h.stored.Records(ctx, want)
		if err != nil {
			return err
		}
		for i := range recs {
			r := &recs[i]
			change := ChangeAdded
			if ex, ok := found[locate(*r)]; ok {
				// Written by this very job before a crash (its creation is
				// the job's): it was added then; otherwise it is an update,
				// which keeps the record's first creation time.
				if !(ex.Job == h.job.ID && ex.Created.Equal(h.job.Created)) {
					change, r.Created = ChangeUpdated, ex.Created
				}
				// A record a score download delivered, now changed: its
				// agency's personnel officer gets a correction notice (H6).
				r.Notice = records.NoticeOnRewrite(ex, *r)
			} else if p, ok := ptrs[r.ID]; ok {
				if ex, ok := found[locate(records.Record{PersonID: p.PersonID, Year: p.Year, ID: r.ID})]; ok {
					change, r.Created, r.Notice = ChangeUpdated, ex.Created, records.NoticeOnRewrite(ex, *r)
				}
			}
			outs[at[i]].Change = change
		}
	}
	for _, r := range recs {
		if p, ok := ptrs[r.ID]; ok && (p.PersonID != r.PersonID || p.Year != r.Year) {
			moved = append(moved, &records.Record{PersonID: p.PersonID, Year: p.Year, ID: r.ID})
		}
	}
	if err := h.writer.WriteRecords(ctx, recs); err != nil {
		return err
	}
	if h.kind != Platform {
		return nil
	}
	// A platform record resent with another person or year moved: the old
	// copy goes (after the new one is written, so a crash between leaves the
	// pointer at the old place and the rerun deletes it again).
	if len(moved) > 0 {
		d, ok := h.writer.(recordDeleter)
		if !ok {
			return fmt.Errorf("job %s: moved platform records and no deleter wired", h.job.ID)
		}
		if _, err := d.Delete(ctx, moved); err != nil {
			return err
		}
	}
	if kept, err := h.pointers.Put(ctx, recs, order); err != nil {
		return err
	} else if len(kept) > 0 { // a batch staged later wrote them meanwhile: never seen while the chain holds
		slog.WarnContext(ctx, "platform record pointers of a later batch kept", "job", h.job.ID, "records", len(kept))
	}
	return nil
}
