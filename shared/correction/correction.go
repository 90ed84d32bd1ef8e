// Package correction is P16 學習時數修改(職稱、官職等): a personnel officer
// finds the active agency's learning records of a year and corrects the job
// title and rank the records carry (the learner's when they learned), picked
// from the code tables titles and ranks. A submission is checked whole, then
// written in one transaction with an audit entry per change (the directory's
// audit trail, account.AuditEntry).
package correction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Service finds and corrects records.
type Service struct {
	DB        *dynamo.DB
	Records   records.Repo
	Directory dynamo.Table // the audit trail
	People    staff.Repo
	Codes     interface {
		Get(ctx context.Context, name string) (*codes.Table, error)
	}
	Now func() time.Time
}

// Query is P16's search.
type Query struct {
	Year       int
	CourseCode string
	Session    string
	CourseName string
	NationalID string
	Name       string
	After      string
}

// Row is one line of P16.
type Row struct {
	PersonID   string `json:"personId"`
	Year       int    `json:"year"`
	ID         string `json:"id"`
	NationalID string `json:"nationalId"` // masked
	Name       string `json:"name"`
	CourseCode string `json:"courseCode,omitempty"`
	Session    string `json:"session,omitempty"`
	CourseName string `json:"courseName"`
	Start      string `json:"start"`
	End        string `json:"end"`
	Hours      int    `json:"hours"`
	Status     string `json:"status"`
	Title      string `json:"title"`
	Rank       string `json:"rank"`
}

// PageSize is P16's page, and the most changes one submission takes (two
// transaction items each: the record and its audit entry).
const PageSize = records.MaxTxItems / 2

// maxExamined bounds the records one List reads for a person-name search
// (the only condition not resolved in the query): a page holds at most
// PageSize rows, and a short page comes with a cursor only when this many
// records were examined and more remain.
const maxExamined = 1000

// maxRounds bounds the queries of one List (each reads at most a few
// thousand index items, store.FilteredPage).
const maxRounds = 20

// List pages the active agency's records of a year (the agency the learner
// belonged to when learning) with the filters. Course code, session, course
// name and national ID are conditions of the query (its filtered pages are
// full while more records match); the learner's name is known only from the
// directory, so pages are read until this one is full, at most maxExamined
// records, and answered with the cursor to continue from.
func (s *Service) List(ctx context.Context, c auth.Caller, q Query) ([]Row, string, error) {
	f := records.AgencyFilter{CourseName: q.CourseName, CourseCode: strings.ToUpper(q.CourseCode), Session: q.Session}
	if q.NationalID != "" {
		refs, err := s.People.ByNationalIDs(ctx, []string{q.NationalID})
		if err != nil {
			return nil, "", err
		}
		if f.PersonID = refs[q.NationalID].ID; f.PersonID == "" {
			return []Row{}, "", nil
		}
	}
	out := []Row{}
	after := q.After
	for examined, round := 0, 1; ; round++ {
		recs, _, next, err := s.Records.OfAgency(ctx, c.Active.Code, q.Year, f, after, PageSize-len(out))
		if err != nil {
			return nil, "", err
		}
		examined += len(recs)
		ids := make([]string, len(recs))
		for i, r := range recs {
			ids[i] = r.PersonID
		}
		people, err := s.People.GetMany(ctx, ids)
		if err != nil {
			return nil, "", err
		}
		for _, r := range recs {
			p := people[r.PersonID]
			if q.Name != "" && !strings.Contains(p.Name, q.Name) {
				continue
			}
			out = append(out, Row{PersonID: r.PersonID, Year: r.Year, ID: r.ID, NationalID: nid.Mask(p.NationalID), Name: p.Name,
				CourseCode: r.CourseCode, Session: r.Session, CourseName: r.CourseName, Start: r.Start, End: r.End,
				Hours: r.Hours, Status: r.Status, Title: r.Title, Rank: r.Rank})
		}
		if next == "" || len(out) == PageSize || examined >= maxExamined || round == maxRounds {
			return out, next, nil
		}
		after = next
	}
}

// ChangeInput is one row's new title and rank: codes of the titles and
// ranks tables.
type ChangeInput struct {
	PersonID string `json:"personId" max:"id"`
	Year     int    `json:"year"`
	ID       string `json:"id" max:"id"`
	Title    string `json:"title" max:"id"`
	Rank     string `json:"rank" max:"id"`
}

// Input is what PUT /api/corrections reads.
type Input struct {
	Changes []ChangeInput `json:"changes"`
}

// Change is what one audit entry keeps of a record before and after.
type Change struct {
	Title string `json:"title"`
	Rank  string `json:"rank"`
}

// Target names a record in the audit trail.
func Target(k records.RecordRef) string {
	return "record:" + k.PersonID + "/" + strconv.Itoa(k.Year) + "/" + k.ID
}

// Save applies a submission: every row checked first (each fault named,
// nothing written), then one transaction. Rows that already hold their new
// values change nothing and write no audit entry, so the same submission
// again is harmless. It answers how many records changed.
func (s *Service) Save(ctx context.Context, c auth.Caller, in Input) (int, error) {
	switch {
	case len(in.Changes) == 0:
		return 0, errcode.Field("changes", "請勾選至少一筆要修改的紀錄。")
	case len(in.Changes) > PageSize:
		return 0, errcode.Field("changes", fmt.Sprintf("一次最多修改 %d 筆紀錄。", PageSize))
	}
	titles, err := s.Codes.Get(ctx, codes.Titles)
	if err != nil {
		return 0, err
	}
	ranks, err := s.Codes.Get(ctx, codes.Ranks)
	if err != nil {
		return 0, err
	}
	keys := make([]records.RecordRef, len(in.Changes))
	for i, ch := range in.Changes {
		keys[i] = records.RecordRef{PersonID: ch.PersonID, Year: ch.Year, ID: ch.ID}
	}
	got, err := s.Records.GetWithReview(ctx, keys)
	if err != nil {
		return 0, err
	}
	var fe errcode.Fields
	var cs []records.Correction
	seen := map[records.RecordRef]bool{}
	for i, ch := range in.Changes {
		f := fmt.Sprintf("changes[%d]", i)
		r, ok := got[keys[i]]
		switch {
		case !ok || r.Agency != c.Active.Code:
			fe.Add(errcode.Field(f, "找不到這筆學習紀錄（可能已被刪除），請重新查詢。"))
			continue
		case seen[keys[i]]:
			fe.Add(errcode.Field(f, "同一筆紀錄修改了兩次。"))
			continue
		}
		seen[keys[i]] = true
		t, tok := titles.Lookup(ch.Title)
		if !tok {
			fe.Add(errcode.Field(f+".title", "請從職稱清單選擇職稱。"))
		}
		k, rok := ranks.Lookup(ch.Rank)
		if !rok {
			fe.Add(errcode.Field(f+".rank", "請從官職等清單選擇官職等。"))
		}
		if tok && rok && (r.Title != t.Name || r.Rank != k.Name) {
			cs = append(cs, records.Correction{Record: r.Record, Title: t.Name, Rank: k.Name})
		}
	}
	if err := fe.Err(); err != nil {
		return 0, err
	}
	at := s.Now().UTC()
	err = s.Records.Correct(ctx, s.DB, cs, func(cr records.Correction) *dynamo.Put {
		return account.AuditPut(s.Directory, account.AuditEntry{At: at, Actor: c.UserID, Action: "correct_record",
			Target: Target(cr.Record.Ref()), Agency: cr.Record.Agency,
			Before: toJSON(Change{cr.Record.Title, cr.Record.Rank}), After: toJSON(Change{cr.Title, cr.Rank})})
	})
	if errors.Is(err, records.ErrBatchStale) {
		return 0, errcode.Wrap(errcode.Conflict, "其中有紀錄剛被他人修改或刪除，本次修改未儲存，請重新查詢。", err)
	}
	if err != nil {
		return 0, err
	}
	return len(cs), nil
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// Audit lists the changes of one record of the active agency, newest first.
func (s *Service) Audit(ctx context.Context, c auth.Caller, k records.RecordRef) ([]account.AuditEntry, error) {
	got, err := s.Records.GetWithReview(ctx, []records.RecordRef{k})
	if err != nil {
		return nil, err
	}
	if r, ok := got[k]; !ok || r.Agency != c.Active.Code {
		return nil, errcode.New(errcode.NotFound, "找不到這筆學習紀錄。")
	}
	list, err := account.Repo{Table: s.Directory}.AuditOf(ctx, Target(k))
	if list == nil && err == nil {
		list = []account.AuditEntry{}
	}
	return list, err
}
