// Package hoursmaint is the online maintenance of learning records not of a
// class here (L6b 登錄學習時數(未開班), L6c 登錄學習時數(進修); manual 貳 六
// (二)(三)): find an agency's records, revise a record's hours and pass/fail
// under the upload's L6r rules (imports.HourRules), delete selected records.
// A record's six natural-key fields never change here: the same six values
// name the same record in an upload, so a changed one is a different record
// (delete and add instead).
package hoursmaint

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Kind is one of the two maintained kinds of record.
type Kind struct {
	Feature string // the function granting it
	Path    string // its API path segment
	Source  string // records.Source…
	inst    string // the institution's label
	cat     string // the sixth key field's label
}

// The kinds: L6b courses not opened here, L6c further study.
var (
	External = Kind{Feature: "L6b", Path: "external", Source: records.SourceExternal, inst: "訓練進修機構名稱", cat: "課程類別"}
	Study    = Kind{Feature: "L6c", Path: "study", Source: records.SourceStudy, inst: "進修機構名稱", cat: "進修類別"}
)

// People finds learners by national ID, id or name.
type People interface {
	ByNationalIDs(ctx context.Context, nids []string) (map[string]staff.Ref, error)
	GetMany(ctx context.Context, ids []string) (map[string]staff.Person, error)
	Page(ctx context.Context, agency string, f staff.Filter, after string, limit int) ([]staff.Person, string, error)
}

// Agencies reads agencies (scope checks, names on screen).
type Agencies interface {
	Get(ctx context.Context, code string) (agency.Agency, error)
	GetMany(ctx context.Context, codes []string) (map[string]agency.Agency, error)
}

// Service finds, revises and deletes records.
type Service struct {
	DB       *dynamo.DB // DeleteAll's transaction
	Records  records.Repo
	People   People
	Agencies Agencies
	Now      func() time.Time
}

// PageSize is the rows of one page of a search.
const PageSize = 50

// maxNamed is how many people a name may match (a DynamoDB IN list);
// maxNamePages bounds the reads of an agency's staff for a name (20 × 2,000).
const (
	maxNamed     = 100
	maxNamePages = 20
)

// Query is a search of one agency's records of one year.
type Query struct {
	Agency      string // "" = the active agency
	Year        int
	Who         string // a national ID, or part of a name
	Institution string
	CourseName  string
	From, To    string // ISO
	Category    string // L6b: a category code (and those below it); L6c: the study type 1–4
}

// Item is one record on screen.
type Item struct {
	Ref           string `json:"ref"`   // names the record in the routes
	Stamp         string `json:"stamp"` // what a save sends back (409 when the record changed meanwhile)
	NationalID    string `json:"nationalId"`
	Name          string `json:"name"`
	AgencyName    string `json:"agencyName"`
	Institution   string `json:"institution"`
	CourseName    string `json:"courseName"`
	Start         string `json:"start"`
	End           string `json:"end"`
	Category      string `json:"category"` // L6c: the study type 1–4
	Hours         int    `json:"hours"`
	Nature        string `json:"nature"`
	DigitalHours  int    `json:"digitalHours"`
	PhysicalHours int    `json:"physicalHours"`
	Passed        bool   `json:"passed"`
}

// Find pages the records of q; after is a page's continuation key.
func (s *Service) Find(ctx context.Context, c auth.Caller, k Kind, q Query, after string) ([]Item, string, error) {
	a := c.Active
	if q.Agency != "" && q.Agency != a.Code {
		got, err := s.Agencies.Get(ctx, q.Agency)
		if err != nil && !errcode.Is(err, errcode.NotFound) {
			return nil, "", err
		}
		if err != nil || !c.InScope(got) {
			return nil, "", errcode.New(errcode.AgencyForbidden, "您只能查詢目前服務機關及其所屬機關的學習紀錄。")
		}
		a = got
	}
	f := records.MaintainFilter{Source: k.Source, FinalOnly: true, Institution: q.Institution, CourseName: q.CourseName, From: q.From, To: q.To}
	switch {
	case k == Study && q.Category != "":
		if !studyType(q.Category) {
			return nil, "", errcode.Field("category", "進修類別請選 1 到 4。")
		}
		f.Category = "study" + q.Category
	default:
		f.Category = q.Category
	}
	if who := strings.TrimSpace(q.Who); who != "" {
		ids, err := s.named(ctx, a.Code, who)
		if err != nil || len(ids) == 0 {
			return nil, "", err
		}
		f.PersonIDs = ids
	}
	recs, next, err := s.Records.Find(ctx, a.Code, q.Year, f, after, PageSize)
	if err != nil {
		return nil, "", err
	}
	items, err := s.items(ctx, k, recs)
	return items, next, err
}

// named finds the people a national ID or a part of a name names: by name,
// among the agency's present staff.
func (s *Service) named(ctx context.Context, agencyCode, who string) ([]string, error) {
	if id := strings.ToUpper(who); nid.Valid(id) {
		got, err := s.People.ByNationalIDs(ctx, []string{id})
		if p, ok := got[id]; ok && err == nil {
			return []string{p.ID}, nil
		}
		return nil, err
	}
	// A filtered page examines at most a few thousand people and may end short
	// with a next key: read on until the end, or until too many match.
	var ids []string
	tooMany := errcode.Field("who", "符合這個姓名的人員過多，請輸入完整姓名或身分證字號。")
	after := ""
	for range maxNamePages {
		people, next, err := s.People.Page(ctx, agencyCode, staff.Filter{Name: who}, after, maxNamed+1-len(ids))
		if err != nil {
			return nil, err
		}
		for _, p := range people {
			ids = append(ids, p.ID)
		}
		if len(ids) > maxNamed {
			return nil, tooMany
		}
		if next == "" {
			return ids, nil
		}
		after = next
	}
	return nil, tooMany
}

func studyType(t string) bool { return len(t) == 1 && t >= "1" && t <= "4" }

// items puts the learners' names and masked national IDs on records.
func (s *Service) items(ctx context.Context, k Kind, recs []records.Stamped) ([]Item, error) {
	ids := make([]string, len(recs))
	codes := make([]string, len(recs))
	for i, r := range recs {
		ids[i], codes[i] = r.PersonID, r.Agency
	}
	people, err := s.People.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	orgs, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make([]Item, len(recs))
	for i, r := range recs {
		p := people[r.PersonID]
		out[i] = Item{Ref: refOf(r.Record), Stamp: stampOf(r), NationalID: nid.Mask(p.NationalID), Name: p.Name,
			AgencyName: orgs[r.Agency].Name, Institution: r.Institution, CourseName: r.CourseName, Start: r.Start, End: r.End,
			Category: r.Category, Hours: r.Hours, Nature: r.Nature, DigitalHours: r.DigitalHours, PhysicalHours: r.PhysicalHours,
			Passed: records.Counted(r.Record)}
		if k == Study {
			out[i].Category = strings.TrimPrefix(r.Category, "study")
		}
	}
	return out, nil
}

// A ref is person.year.id, the id in base64url: the record's key, safe in a
// path segment.
var refRe = regexp.MustCompile(`^([0-9A-Za-z_-]{1,64})\.([0-9]{4})\.([0-9A-Za-z_-]{1,96})$`)

func refOf(r records.Record) string {
	return fmt.Sprintf("%s.%d.%s", r.PersonID, r.Year, base64.RawURLEncoding.EncodeToString([]byte(r.ID)))
}

// parseRef reads a ref; ok false when it is malformed.
func parseRef(ref string) (personID string, year int, id string, ok bool) {
	m := refRe.FindStringSubmatch(ref)
	if m == nil {
		return "", 0, "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(m[3])
	if err != nil || !utf8.Valid(b) {
		return "", 0, "", false
	}
	year, _ = strconv.Atoi(m[2])
	return m[1], year, string(b), true
}

// stampOf is a record's write stamp: its online revisions, its creation
// time and the upload job that last wrote it (an upload's rewrite keeps the
// creation time but is another job).
func stampOf(r records.Stamped) string {
	return strconv.Itoa(r.Version) + "@" + r.Created.UTC().Format(time.RFC3339Nano) + "@" + r.Job
}

func parseStamp(s string) (version int, created time.Time, job string, ok bool) {
	parts := strings.SplitN(s, "@", 3)
	if len(parts) != 3 {
		return 0, time.Time{}, "", false
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil || n < 0 {
		return 0, time.Time{}, "", false
	}
	at, err := time.Parse(time.RFC3339Nano, parts[1])
	return n, at, parts[2], err == nil
}

// record reads the record a ref names, refusing what the caller may not
// see as not found: another agency's record is never revealed.
func (s *Service) record(ctx context.Context, c auth.Caller, k Kind, field, ref string) (records.Stamped, error) {
	gone := errcode.Field(field, "找不到這筆學習紀錄（可能已被刪除），請重新查詢。")
	gone.Code = errcode.NotFound
	person, year, id, ok := parseRef(ref)
	if !ok {
		return records.Stamped{}, gone
	}
	r, err := s.Records.Get(ctx, person, year, id)
	if errcode.Is(err, errcode.NotFound) {
		return records.Stamped{}, gone
	}
	if err != nil {
		return records.Stamped{}, err
	}
	if r.Source != k.Source || r.Status != records.Final { // P15 reviews records pending review
		return records.Stamped{}, gone
	}
	a, err := s.Agencies.Get(ctx, r.Agency)
	if errcode.Is(err, errcode.NotFound) || (err == nil && !c.InScope(a)) {
		return records.Stamped{}, gone
	}
	return r, err
}

// EditInput is a revision of one record. Hours arrive as JSON numbers so
// that 2.5 is told "whole number" rather than "wrong type". The key fields
// are what the screen shows; sent, they must be the record's own.
type EditInput struct {
	Stamp         string   `json:"stamp" max:"200"`
	Hours         float64  `json:"hours"`
	Nature        string   `json:"nature" max:"10"` // digital / physical / blended (or 1 / 2 / 3)
	DigitalHours  *float64 `json:"digitalHours"`
	PhysicalHours *float64 `json:"physicalHours"`
	Passed        *bool    `json:"passed"`
	NationalID    *string  `json:"nationalId,omitempty" max:"10"` // masked or whole
	Institution   *string  `json:"institution,omitempty" max:"100"`
	CourseName    *string  `json:"courseName,omitempty" max:"100"`
	Start         *string  `json:"start,omitempty" max:"10"`
	End           *string  `json:"end,omitempty" max:"10"`
	Category      *string  `json:"category,omitempty" max:"20"`
}

var natureCode = map[string]string{catalog.Digital: "1", catalog.Physical: "2", catalog.Blended: "3"}

func number(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

// Revise saves a record's hours, nature and pass/fail; it answers the
// record as saved.
func (s *Service) Revise(ctx context.Context, c auth.Caller, k Kind, ref string, in EditInput) (Item, error) {
	r, err := s.record(ctx, c, k, "ref", ref)
	if err != nil {
		return Item{}, err
	}
	if err := s.sameKey(ctx, k, r.Record, in); err != nil {
		return Item{}, err
	}
	version, created, job, ok := parseStamp(in.Stamp)
	if !ok {
		return Item{}, errcode.Field("stamp", "缺少紀錄的版本資訊，請重新查詢後再修改。")
	}
	if in.Passed == nil {
		return Item{}, errcode.Field("passed", "請選擇認證結果（通過或不通過）。")
	}
	nature := in.Nature
	if code, ok := natureCode[nature]; ok {
		nature = code
	}
	hours, dig, phy, nat, rerr := imports.HourRules(number(&in.Hours), "1", nature, number(in.DigitalHours), number(in.PhysicalHours))
	if rerr != nil {
		return Item{}, errcode.Field("hours", rerr.Msg)
	}
	read := r
	read.Version, read.Created, read.Job = version, created, job
	v, err := s.Records.Revise(ctx, records.Revision{Read: read, Hours: hours, Nature: nat, DigitalHours: dig, PhysicalHours: phy, Passed: *in.Passed})
	if err != nil {
		return Item{}, err
	}
	// No audit table of record changes exists yet: the log keeps who changed what.
	slog.InfoContext(ctx, "record revised", "feature", k.Feature, "user", c.UserID, "agency", c.Active.Code,
		"person", r.PersonID, "record", r.ID, "hours", fmt.Sprintf("%d→%d", r.Hours, hours), "passed", *in.Passed)
	r.Version, r.Hours, r.Nature, r.DigitalHours, r.PhysicalHours, r.Status = v, hours, nat, dig, phy, records.Final
	r.Passed = in.Passed
	items, err := s.items(ctx, k, []records.Stamped{r})
	if err != nil {
		return Item{}, err
	}
	return items[0], nil
}

// sameKey refuses a revision that changes one of the six natural-key fields.
func (s *Service) sameKey(ctx context.Context, k Kind, r records.Record, in EditInput) error {
	var changed []string
	differs := func(label string, sent *string, same func(string) bool) {
		if sent != nil && !same(strings.TrimSpace(*sent)) {
			changed = append(changed, label)
		}
	}
	if in.NationalID != nil {
		people, err := s.People.GetMany(ctx, []string{r.PersonID})
		if err != nil {
			return err
		}
		own := people[r.PersonID].NationalID
		differs("身分證字號", in.NationalID, func(v string) bool { v = strings.ToUpper(v); return v == own || v == nid.Mask(own) })
	}
	differs(k.inst, in.Institution, func(v string) bool { return v == r.Institution })
	differs("課程名稱", in.CourseName, func(v string) bool { return v == r.CourseName })
	sameDay := func(want string) func(string) bool {
		return func(v string) bool {
			t, err := roc.Parse(v)
			return err == nil && t.Format(time.DateOnly) == want
		}
	}
	differs("起始日期", in.Start, sameDay(r.Start))
	differs("終迄日期", in.End, sameDay(r.End))
	differs(k.cat, in.Category, func(v string) bool { return v == r.Category || (k == Study && "study"+v == r.Category) })
	if len(changed) == 0 {
		return nil
	}
	return &errcode.Error{Code: errcode.KeyFixed, Field: "naturalKey", Message: fmt.Sprintf(
		"不可修改%s：身分證字號、%s、課程名稱、起始日期、終迄日期、%s六個欄位決定是哪一筆紀錄，修改任一欄位即是另一筆紀錄。請刪除這筆紀錄後再新增（整批上傳）。",
		strings.Join(changed, "、"), k.inst, k.cat)}
}

// DeleteInput names the records to delete.
type DeleteInput struct {
	Refs []string `json:"refs" max:"id"`
}

// Delete removes the records refs name: every ref is checked first, and a
// malformed one refuses them all. A record already deleted (a retried
// request) and a record the caller may not see (another agency's, another
// kind) are skipped alike, so the answer never tells which exists; it
// answers how many were deleted.
func (s *Service) Delete(ctx context.Context, c auth.Caller, k Kind, in DeleteInput) (int, error) {
	if len(in.Refs) == 0 {
		return 0, errcode.Field("refs", "請勾選要刪除的學習紀錄。")
	}
	if len(in.Refs) > records.MaxDeleteAll {
		return 0, errcode.Field("refs", fmt.Sprintf("一次最多刪除 %d 筆。", records.MaxDeleteAll))
	}
	for i, ref := range in.Refs {
		if _, _, _, ok := parseRef(ref); !ok {
			return 0, errcode.Field(fmt.Sprintf("refs[%d]", i), "勾選的紀錄中有一筆無法辨識，未刪除任何紀錄；請重新查詢。")
		}
	}
	seen := map[string]bool{}
	var del []records.Record
	for i, ref := range in.Refs {
		if seen[ref] {
			continue
		}
		seen[ref] = true
		r, err := s.record(ctx, c, k, fmt.Sprintf("refs[%d]", i), ref)
		switch {
		case err == nil:
			del = append(del, r.Record)
		case !errcode.Is(err, errcode.NotFound):
			return 0, err
		}
	}
	if err := s.Records.DeleteAll(ctx, s.DB, del); err != nil {
		return 0, err
	}
	for _, r := range del {
		slog.InfoContext(ctx, "record deleted", "feature", k.Feature, "user", c.UserID, "agency", c.Active.Code,
			"person", r.PersonID, "record", r.ID, "hours", r.Hours)
	}
	return len(del), nil
}
