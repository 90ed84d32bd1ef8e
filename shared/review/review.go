// Package review holds hours learned at private institutions: the learner's
// report through the front stage, and P15 學習時數(複核及修改), where a
// personnel officer of the learner's agency approves or rejects them. A
// reported record waits (records.PendingReview) and counts nowhere until it
// is approved (records.Counted); a rejected one keeps the reason, which the
// learner sees.
package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/relevance"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// MaxHours is the most hours one reported course may certify (a year of
// full days; anything above is a typing error).
const MaxHours = 2000

// Service reports and reviews private-institution hours.
type Service struct {
	DB      *dynamo.DB
	Records records.Repo
	People  staff.Repo
	Codes   interface {
		Get(ctx context.Context, name string) (*codes.Table, error)
	}
	Business interface {
		Get(ctx context.Context, c auth.Caller) (relevance.Set, error)
	}
	Now func() time.Time
}

// ReportInput is what POST /api/front/records reads: one course learned at a
// private institution. Hours arrive as JSON numbers so that 2.5 is told
// "whole number" rather than "wrong type".
type ReportInput struct {
	Institution   string  `json:"institution" max:"100"`
	CourseName    string  `json:"courseName" max:"100"`
	Category      string  `json:"category" max:"id"`
	Start         string  `json:"start" max:"id"` // ISO or ROC date
	End           string  `json:"end" max:"id"`
	Hours         float64 `json:"hours"`
	Nature        string  `json:"nature" max:"id"` // physical / digital / blended
	DigitalHours  float64 `json:"digitalHours"`
	PhysicalHours float64 `json:"physicalHours"`
}

// learner is the civil servant a front-stage token names.
func (s *Service) learner(ctx context.Context, p auth.Principal) (staff.Person, error) {
	if p.Kind != auth.KindOfficer || p.Subject == "" {
		return staff.Person{}, errcode.New(errcode.Forbidden, "請以學員身分登入前台後登錄學習時數。")
	}
	got, err := s.People.GetMany(ctx, []string{p.Subject})
	if err != nil {
		return staff.Person{}, err
	}
	person, ok := got[p.Subject]
	if !ok {
		return staff.Person{}, errcode.New(errcode.Forbidden, "此帳號不是學員（查無人員資料），無法登錄學習時數。")
	}
	return person, nil
}

// Report records a course the learner of p learned at a private institution,
// waiting for review by a personnel officer of the learner's agency. The
// record's id follows from its natural key (national ID, institution,
// course, dates, category), so a retried report answers the first one's
// record (created false) and never duplicates it; the same key with other
// hours is a conflict.
func (s *Service) Report(ctx context.Context, p auth.Principal, in ReportInput) (records.Reported, bool, error) {
	person, err := s.learner(ctx, p)
	if err != nil {
		return records.Reported{}, false, err
	}
	r, err := s.check(ctx, in)
	if err != nil {
		return records.Reported{}, false, err
	}
	passed := true // what the learner reports is a course completed; the review decides whether it counts
	r.PersonID, r.Agency, r.Title, r.Rank = person.ID, person.Agency, person.Title, person.Rank
	r.ID = records.ExternalRecordID(person.NationalID, r.Institution, r.CourseName, r.Start, r.End, r.Category)
	r.Year, r.Source, r.Passed, r.Status, r.Created = records.EndYear(r.End), records.SourceExternal, &passed, records.PendingReview, s.Now().UTC()
	got, created, err := s.Records.Report(ctx, records.Reported{Record: r, Review: records.Review{ReportedBy: person.ID}})
	if err != nil {
		return records.Reported{}, false, err
	}
	if !created && (got.ReportedBy != person.ID || got.Hours != r.Hours || got.Nature != r.Nature ||
		got.DigitalHours != r.DigitalHours || got.PhysicalHours != r.PhysicalHours) {
		return records.Reported{}, false, errcode.New(errcode.Conflict,
			"已有相同機構、課程名稱、日期與類別的學習紀錄（時數或性質不同），請勿重複登錄；如需更正請洽服務機關人事單位。")
	}
	return got, created, nil
}

// check reads a report's fields, every one checked, all faults named at once.
func (s *Service) check(ctx context.Context, in ReportInput) (records.Record, error) {
	var r records.Record
	var fe errcode.Fields
	r.Institution = strings.TrimSpace(in.Institution)
	if r.Institution == "" {
		fe.Add(errcode.Field("institution", "請填寫訓練進修機構名稱。"))
	}
	r.CourseName = strings.TrimSpace(in.CourseName)
	if r.CourseName == "" {
		fe.Add(errcode.Field("courseName", "請填寫課程名稱。"))
	}
	r.Category = strings.TrimSpace(in.Category)
	if r.Category == "" {
		fe.Add(errcode.Field("category", "請選擇課程類別。"))
	} else {
		cats, err := s.Codes.Get(ctx, codes.Categories)
		if err != nil {
			return r, err
		}
		if _, ok := cats.Lookup(r.Category); !ok {
			fe.Add(errcode.Field("category", "課程類別代碼「"+r.Category+"」不在課程類別表中。"))
		}
	}
	today := roc.Today(s.Now())
	var ok1, ok2 bool
	r.Start, ok1 = date(&fe, "start", "起始日期", in.Start)
	r.End, ok2 = date(&fe, "end", "終迄日期", in.End)
	switch {
	case ok1 && ok2 && r.End < r.Start:
		fe.Add(errcode.Field("end", "終迄日期不可早於起始日期。"))
	case ok2 && r.End > today:
		fe.Add(errcode.Field("end", "尚未結束的課程不能登錄時數（終迄日期晚於今天）。"))
	}
	hours, err := catalog.Whole("hours", "認證時數", in.Hours, 1, MaxHours)
	fe.Add(err)
	dig, err := catalog.Whole("digitalHours", "數位時數", in.DigitalHours, 0, MaxHours)
	fe.Add(err)
	phy, err := catalog.Whole("physicalHours", "實體時數", in.PhysicalHours, 0, MaxHours)
	fe.Add(err)
	r.Hours, r.Nature = hours, in.Nature
	switch in.Nature {
	case catalog.Digital:
		r.DigitalHours = hours
	case catalog.Physical:
		r.PhysicalHours = hours
	case catalog.Blended:
		if dig == 0 || phy == 0 || dig+phy != hours {
			fe.Add(errcode.Field("digitalHours", fmt.Sprintf("混成學習須填寫數位時數與實體時數，兩者相加須等於認證時數（%d 小時）。", hours)))
		}
		r.DigitalHours, r.PhysicalHours = dig, phy
	case "":
		fe.Add(errcode.Field("nature", "請選擇學習性質（數位、實體或混成）。"))
	default:
		fe.Add(errcode.Field("nature", "學習性質須為 digital（數位）、physical（實體）或 blended（混成）。"))
	}
	return r, fe.Err()
}

func date(fe *errcode.Fields, field, label, s string) (string, bool) {
	if strings.TrimSpace(s) == "" {
		return "", fe.Add(errcode.Field(field, "請填寫"+label+"。"))
	}
	t, err := roc.Parse(s)
	if err != nil {
		return "", fe.Add(errcode.Field(field, label+"："+err.Error()))
	}
	return t.Format(time.DateOnly), true
}

// Mine lists the records the learner of p reported, with their review.
func (s *Service) Mine(ctx context.Context, p auth.Principal) ([]records.Reported, error) {
	person, err := s.learner(ctx, p)
	if err != nil {
		return nil, err
	}
	return s.Records.ReportedBy(ctx, person.ID)
}

// States of P15's status filter.
const (
	StatePending  = "pending"  // 待複核
	StateReviewed = "reviewed" // 已複核 (either way)
	StateApproved = "approved" // 通過
	StateRejected = "rejected" // 不通過
)

// Query is P15's search.
type Query struct {
	Year       int // of the end date; 0: every year
	NationalID string
	Name       string
	State      string
	After      string
}

// Row is one line of P15.
type Row struct {
	PersonID       string    `json:"personId"`
	Year           int       `json:"year"`
	ID             string    `json:"id"`
	NationalID     string    `json:"nationalId"` // masked
	Name           string    `json:"name"`
	Unit           string    `json:"unit"`
	Institution    string    `json:"institution"`
	CourseName     string    `json:"courseName"`
	Category       string    `json:"category"`
	CategoryName   string    `json:"categoryName"`
	Start          string    `json:"start"`
	End            string    `json:"end"`
	Hours          int       `json:"hours"`
	Nature         string    `json:"nature"`
	Status         string    `json:"status"`
	Relevant       bool      `json:"relevant"`       // as reviewed, or the P14 preset while pending
	RelevantPreset bool      `json:"relevantPreset"` // the category is one of the agency's business-related ones (P14)
	Reason         string    `json:"reason,omitempty"`
	ReviewedAt     time.Time `json:"reviewedAt,omitzero"`
}

// PageSize is P15's page.
const PageSize = 50

// scanLimit bounds the records one request examines (filters by name may
// match few): a short page then carries a next cursor.
const scanLimit = 1000

// List pages the active agency's reported records waiting for review, or
// reviewed, of a year (by end date, person, record).
func (s *Service) List(ctx context.Context, c auth.Caller, q Query) ([]Row, string, error) {
	partition := records.ReviewKey(c.Active.Code)
	if q.State != StatePending {
		partition = records.ReviewedKey(c.Active.Code)
	}
	personID := ""
	if q.NationalID != "" {
		refs, err := s.People.ByNationalIDs(ctx, []string{q.NationalID})
		if err != nil {
			return nil, "", err
		}
		if personID = refs[q.NationalID].ID; personID == "" {
			return []Row{}, "", nil
		}
	}
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return nil, "", err
	}
	set, err := s.Business.Get(ctx, c)
	if err != nil {
		return nil, "", err
	}
	prefix := "" // every year: what H6 counts
	if q.Year != 0 {
		prefix = strconv.Itoa(q.Year) + "-"
	}
	out := []Row{}
	after := q.After
	for scanned := 0; scanned < scanLimit; {
		recs, next, err := s.Records.ReviewPage(ctx, partition, prefix, after, 100)
		if err != nil {
			return nil, "", err
		}
		scanned += 100
		ids := make([]string, 0, len(recs))
		for _, r := range recs {
			ids = append(ids, r.PersonID)
		}
		people, err := s.People.GetMany(ctx, ids)
		if err != nil {
			return nil, "", err
		}
		for _, r := range recs {
			after = records.TodoSK(r.Record)
			p := people[r.PersonID]
			if !keep(q, r, p, personID) {
				continue
			}
			out = append(out, row(r, p, cats, set.Categories))
			if len(out) == PageSize {
				if after == lastKey(recs) && next == "" {
					return out, "", nil
				}
				return out, after, nil
			}
		}
		if next == "" {
			return out, "", nil
		}
		after = next
	}
	return out, after, nil
}

func lastKey(recs []records.Reported) string {
	if len(recs) == 0 {
		return ""
	}
	return records.TodoSK(recs[len(recs)-1].Record)
}

func keep(q Query, r records.Reported, p staff.Person, personID string) bool {
	switch {
	case personID != "" && r.PersonID != personID:
		return false
	case q.Name != "" && !strings.Contains(p.Name, q.Name):
		return false
	case q.State == StateApproved && r.Status != records.Final:
		return false
	case q.State == StateRejected && r.Status != records.Rejected:
		return false
	}
	return true
}

// Related reports whether category, or a category above it, is one of the
// business-related ones (P14).
func Related(t *codes.Table, business []string, category string) bool {
	for code := category; code != ""; {
		if slices.Contains(business, code) {
			return true
		}
		e, ok := t.Lookup(code)
		if !ok {
			return false
		}
		code = e.Parent
	}
	return false
}

func row(r records.Reported, p staff.Person, cats *codes.Table, business []string) Row {
	e, _ := cats.Lookup(r.Category)
	preset := Related(cats, business, r.Category)
	out := Row{PersonID: r.PersonID, Year: r.Year, ID: r.ID, NationalID: nid.Mask(p.NationalID), Name: p.Name, Unit: p.Unit,
		Institution: r.Institution, CourseName: r.CourseName, Category: r.Category, CategoryName: e.Name,
		Start: r.Start, End: r.End, Hours: r.Hours, Nature: r.Nature, Status: r.Status,
		Relevant: preset, RelevantPreset: preset, Reason: r.Reason, ReviewedAt: r.ReviewedAt}
	if r.Relevant != nil {
		out.Relevant = *r.Relevant
	}
	return out
}

// DecisionInput is the officer's review of one record.
type DecisionInput struct {
	PersonID string `json:"personId" max:"id"`
	Year     int    `json:"year"`
	ID       string `json:"id" max:"id"`
	Result   string `json:"result" max:"id"` // approve / reject
	Relevant bool   `json:"relevant"`
	Reason   string `json:"reason"`
}

// DecideInput is what POST /api/reviews/decisions reads.
type DecideInput struct {
	Decisions []DecisionInput `json:"decisions"`
}

// Decide applies a batch of reviews: every entry is checked first (each
// fault named, nothing written), then all are written in one transaction,
// each conditional on its record still waiting. Sending the same batch again
// changes nothing and succeeds; a record another officer decided otherwise
// meanwhile refuses the whole batch (409). It answers how many it decided.
func (s *Service) Decide(ctx context.Context, c auth.Caller, in DecideInput) (int, error) {
	switch {
	case len(in.Decisions) == 0:
		return 0, errcode.Field("decisions", "請勾選至少一筆要複核的紀錄。")
	case len(in.Decisions) > records.MaxTxItems:
		return 0, errcode.Field("decisions", fmt.Sprintf("一次最多送出 %d 筆複核。", records.MaxTxItems))
	}
	keys := make([]records.RecordRef, len(in.Decisions))
	for i, d := range in.Decisions {
		keys[i] = records.RecordRef{PersonID: d.PersonID, Year: d.Year, ID: d.ID}
	}
	got, err := s.Records.GetWithReview(ctx, keys)
	if err != nil {
		return 0, err
	}
	var fe errcode.Fields
	var ds []records.Decision
	seen := map[records.RecordRef]bool{}
	changed := "" // the first entry another officer decided otherwise
	for i, d := range in.Decisions {
		f := fmt.Sprintf("decisions[%d]", i)
		r, ok := got[keys[i]]
		switch {
		case !ok || r.Agency != c.Active.Code || (r.Status != records.PendingReview && r.ReviewedAt.IsZero()):
			fe.Add(errcode.Field(f, "找不到這筆待複核的紀錄（可能已被刪除），請重新查詢。"))
			continue
		case seen[keys[i]]:
			fe.Add(errcode.Field(f, "同一筆紀錄複核了兩次。"))
			continue
		}
		seen[keys[i]] = true
		reason := strings.TrimSpace(d.Reason)
		switch d.Result {
		case "approve":
			reason = ""
		case "reject":
			if reason == "" {
				fe.Add(errcode.Field(f+".reason", "不通過須填寫原因。"))
				continue
			}
		default:
			fe.Add(errcode.Field(f+".result", "複核結果須為 approve（通過）或 reject（不通過）。"))
			continue
		}
		dec := records.Decision{Record: r.Record, Approve: d.Result == "approve", Relevant: d.Relevant, Reason: reason}
		if r.Status != records.PendingReview {
			if !holds(r, dec) && changed == "" {
				changed = f
			}
			continue // already so: a retried batch
		}
		ds = append(ds, dec)
	}
	if err := fe.Err(); err != nil {
		return 0, err
	}
	if changed != "" {
		return 0, &errcode.Error{Code: errcode.Conflict, Field: changed, Message: "這筆紀錄已由他人複核為不同結果，本次複核未儲存，請重新查詢。"}
	}
	err = s.Records.Decide(ctx, s.DB, c.UserID, s.Now(), ds)
	if errors.Is(err, records.ErrBatchStale) {
		return 0, errcode.Wrap(errcode.Conflict, "其中有紀錄已由他人複核或刪除，本次複核未儲存，請重新查詢。", err)
	}
	if err != nil {
		return 0, err
	}
	return len(in.Decisions), nil
}

// holds reports whether a reviewed record already says what d decides.
func holds(r records.Reported, d records.Decision) bool {
	want := records.Rejected
	if d.Approve {
		want = records.Final
	}
	return r.Status == want && r.Relevant != nil && *r.Relevant == d.Relevant && (d.Approve || r.Reason == d.Reason)
}
