// Package enrollment is the path from a learner's enrollment to the class
// roster: the front stage's intake API (X5), approval and sign-in sheets
// (L5), and nominations by personnel officers (P3, P4; their uploads run as
// jobs of package imports).
package enrollment

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roster"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Service applies the enrollment rules.
type Service struct {
	DB       *dynamo.DB
	Classes  catalog.Repo
	People   staff.Repo
	Agencies agency.Repo
	Records  records.Repo
	Now      func() time.Time
}

// enrollments writes enrollments (enroll.go).
func (s *Service) enrollments() Repo { return Repo{DB: s.DB, Table: s.Classes.Table} }

func (s *Service) loader() roster.Loader {
	return roster.Loader{Classes: s.Classes, People: s.People, Agencies: s.Agencies}
}

// learner finds the person the SSO token names; a back-office account that
// is not a civil servant in the directory cannot enroll.
func (s *Service) learner(ctx context.Context, p auth.Principal) (staff.Person, error) {
	if p.Kind != auth.KindOfficer || p.Subject == "" {
		return staff.Person{}, errcode.New(errcode.Forbidden, "請以學員身分登入前台後報名。")
	}
	got, err := s.People.GetMany(ctx, []string{p.Subject})
	if err != nil {
		return staff.Person{}, err
	}
	person, ok := got[p.Subject]
	if !ok {
		return staff.Person{}, errcode.New(errcode.Forbidden, "此帳號不是學員（查無人員資料），無法報名。")
	}
	return person, nil
}

// EnrollInput is a learner's enrollment.
type EnrollInput struct {
	Answers map[string]string `json:"answers"`
}

// Enroll enrolls the learner of p in a class (X5).
func (s *Service) Enroll(ctx context.Context, p auth.Principal, code, session string, in EnrollInput) (catalog.Enrollment, error) {
	person, err := s.learner(ctx, p)
	if err != nil {
		return catalog.Enrollment{}, err
	}
	c, err := s.Classes.Get(ctx, code, session)
	if err != nil {
		return catalog.Enrollment{}, err
	}
	now := s.Now()
	if err := CheckEnrollable(c, Applicant{ID: person.ID, Agency: person.Agency}, "", in.Answers, now); err != nil {
		return catalog.Enrollment{}, err
	}
	e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: person.ID, Agency: person.Agency,
		Status: catalog.Pending, At: now.UTC(), Answers: in.Answers}
	if err := s.enrollments().Enroll(ctx, c, e); err != nil {
		return catalog.Enrollment{}, err
	}
	return e, nil
}

// Mine returns the learner's enrollment in a class.
func (s *Service) Mine(ctx context.Context, p auth.Principal, code, session string) (catalog.Enrollment, error) {
	person, err := s.learner(ctx, p)
	if err != nil {
		return catalog.Enrollment{}, err
	}
	return s.enrollments().Enrollment(ctx, catalog.Class{CourseCode: code, Session: session}, person.ID)
}

// Withdraw cancels the learner's pending enrollment.
func (s *Service) Withdraw(ctx context.Context, p auth.Principal, code, session string) error {
	person, err := s.learner(ctx, p)
	if err != nil {
		return err
	}
	c, err := s.Classes.Get(ctx, code, session)
	if err != nil {
		return err
	}
	return s.enrollments().Withdraw(ctx, c, person.ID)
}

// ownClass returns a class organised by the caller's agency or one below it.
func (s *Service) ownClass(ctx context.Context, c auth.Caller, code, session string) (catalog.Class, error) {
	class, err := s.Classes.Get(ctx, code, session)
	if err != nil {
		return catalog.Class{}, err
	}
	org, err := s.Agencies.Get(ctx, class.Agency)
	if err != nil || !c.InScope(org) {
		return catalog.Class{}, catalog.ClassNotFound(code, session)
	}
	return class, nil
}

// Enrollee is one line of the approval list.
type Enrollee struct {
	PersonID    string            `json:"personId"`
	NationalID  string            `json:"nationalId"` // masked
	Name        string            `json:"name"`
	Agency      string            `json:"agency"`
	AgencyName  string            `json:"agencyName"`
	AgencyLevel int               `json:"agencyLevel"`
	Unit        string            `json:"unit"`
	Title       string            `json:"title"`
	Status      string            `json:"status"`
	Reason      string            `json:"reason,omitempty"`
	At          time.Time         `json:"at"`
	NominatedBy string            `json:"nominatedBy,omitempty"`
	Answers     map[string]string `json:"answers,omitempty"`
}

func enrollee(r roster.Row) Enrollee {
	return Enrollee{PersonID: r.PersonID, NationalID: maskID(r.Person.NationalID), Name: r.Person.Name, Agency: r.Agency.Code,
		AgencyName: r.Agency.Name, AgencyLevel: r.Agency.Level, Unit: r.Person.Unit, Title: r.Person.Title,
		Status: r.Status, Reason: r.Reason, At: r.At, NominatedBy: r.NominatedBy, Answers: r.Answers}
}

func maskID(id string) string {
	if len(id) != 10 {
		return id
	}
	return id[:3] + "****" + id[7:]
}

// Enrollees lists a class's enrollees with their basic data (L5).
func (s *Service) Enrollees(ctx context.Context, c auth.Caller, code, session string, keys []string) (catalog.Class, []Enrollee, error) {
	class, err := s.ownClass(ctx, c, code, session)
	if err != nil {
		return catalog.Class{}, nil, err
	}
	rows, err := s.loader().Load(ctx, class, "", keys...)
	if err != nil {
		return catalog.Class{}, nil, err
	}
	out := make([]Enrollee, len(rows))
	for i, r := range rows {
		out[i] = enrollee(r)
	}
	return class, out, nil
}

// Decision is the officer's decision on one enrollment.
type Decision struct {
	PersonID string `json:"personId" max:"id"`
	Decision string `json:"decision"` // approve / reject
	Reason   string `json:"reason"`
}

// Outcome is what became of one decision.
type Outcome struct {
	PersonID string `json:"personId"`
	OK       bool   `json:"ok"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
}

// Decide submits the officer's decisions (L5). The whole submission is
// checked against the class's enrollments first (each person enrolled, each
// decision possible, reasons given, nobody twice); one bad entry refuses it
// all and nothing is written (approval is final, so a half-applied batch could
// not be undone). Then each is applied with its conditional write and gets an
// outcome (one decided by someone else meanwhile says why).
func (s *Service) Decide(ctx context.Context, c auth.Caller, code, session string, ds []Decision) ([]Outcome, error) {
	class, err := s.ownClass(ctx, c, code, session)
	if err != nil {
		return nil, err
	}
	if err := s.checkDecisions(ctx, class, ds); err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]Outcome, len(ds))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, d := range ds {
		g.Go(func() error {
			err := s.enrollments().Decide(gctx, class, d.PersonID, d.Decision, d.Reason, c.UserID, now)
			out[i] = Outcome{PersonID: d.PersonID, OK: err == nil}
			if err != nil {
				e := errcode.As(err)
				if e.Code == errcode.Internal {
					return err
				}
				out[i].Code, out[i].Message = string(e.Code), e.Message
			}
			return nil
		})
	}
	return out, g.Wait()
}

// checkDecisions refuses a submission any entry of which could not be applied.
func (s *Service) checkDecisions(ctx context.Context, class catalog.Class, ds []Decision) error {
	if len(ds) == 0 || len(ds) > 5000 {
		return errcode.Field("decisions", "請勾選要核准或駁回的學員（一次最多 5000 位）。")
	}
	list, err := s.Classes.Enrollees(ctx, class, "")
	if err != nil {
		return err
	}
	status := make(map[string]string, len(list))
	for _, e := range list {
		status[e.PersonID] = e.Status
	}
	seen := make(map[string]bool, len(ds))
	// Rejections without a reason are all named at once (the screen marks
	// each row); any other fault refuses the submission at its first row.
	var noReason errcode.Fields
	for i, d := range ds {
		f := fmt.Sprintf("decisions[%d]", i)
		st, enrolled := status[d.PersonID]
		reason := strings.TrimSpace(d.Reason)
		switch {
		case d.Decision != Approve && d.Decision != Reject:
			return errcode.Field(f+".decision", fmt.Sprintf("第 %d 筆：請選擇核准或駁回；整批未送出。", i+1))
		case !enrolled:
			return errcode.Field(f+".personId", fmt.Sprintf("第 %d 筆：這位學員沒有報名本班期（可能已取消），請重新查詢；整批未送出。", i+1))
		case seen[d.PersonID]:
			return errcode.Field(f+".personId", fmt.Sprintf("第 %d 筆：同一位學員出現兩次；整批未送出。", i+1))
		case d.Decision == Reject && reason == "":
			noReason.Add(errcode.Field(f+".reason", fmt.Sprintf("第 %d 筆：駁回報名須填寫原因；整批未送出。", i+1)))
		case d.Decision == Reject && utf8.RuneCountInString(reason) > 200:
			return errcode.Field(f+".reason", fmt.Sprintf("第 %d 筆：駁回原因不可超過 200 字；整批未送出。", i+1))
		case d.Decision == Reject && st == catalog.Approved:
			return &errcode.Error{Code: errcode.ApprovalFinal, Field: f + ".decision",
				Message: fmt.Sprintf("第 %d 筆：已核准的報名不能再駁回（核准即為最終決定）；整批未送出。", i+1)}
		case d.Decision == Approve && st == catalog.Rejected:
			return &errcode.Error{Code: errcode.Conflict, Field: f + ".decision",
				Message: fmt.Sprintf("第 %d 筆：已駁回的報名不能再核准；整批未送出。", i+1)}
		}
		seen[d.PersonID] = true
	}
	return noReason.Err()
}

// ApproveAll approves every pending enrollment of a class. Running it again,
// or after an interruption, approves what is left and nothing twice.
func (s *Service) ApproveAll(ctx context.Context, c auth.Caller, code, session string) (int, error) {
	return s.decideAll(ctx, c, code, session, Approve, "")
}

// RejectAll rejects every pending enrollment of a class with one reason
// (全部駁回); like ApproveAll it is safe to repeat.
func (s *Service) RejectAll(ctx context.Context, c auth.Caller, code, session, reason string) (int, error) {
	if strings.TrimSpace(reason) == "" {
		return 0, errcode.Field("reason", "駁回報名須填寫原因。")
	}
	return s.decideAll(ctx, c, code, session, Reject, strings.TrimSpace(reason))
}

func (s *Service) decideAll(ctx context.Context, c auth.Caller, code, session, decision, reason string) (int, error) {
	class, err := s.ownClass(ctx, c, code, session)
	if err != nil {
		return 0, err
	}
	pending, err := s.Classes.Enrollees(ctx, class, catalog.Pending)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	var mu sync.Mutex
	n := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for _, e := range pending {
		g.Go(func() error {
			err := s.enrollments().Decide(gctx, class, e.PersonID, decision, reason, c.UserID, now)
			if err == nil {
				mu.Lock()
				n++
				mu.Unlock()
			} else if errcode.As(err).Code == errcode.Internal {
				return err
			}
			return nil
		})
	}
	return n, g.Wait()
}

// SheetColumns are the columns a sign-in sheet may show.
var SheetColumns = []struct{ Key, Title string }{
	{"agency", "服務機關"}, {"unit", "單位"}, {"title", "職稱"}, {"name", "姓名"}, {"nationalId", "身分證字號"},
}

// SurveyColumn prefixes a sheet column showing the answers to one of the
// class's special-survey questions (survey.accommodation, survey.meals).
const SurveyColumn = "survey."

// Sheet is a sign-in sheet: approved enrollees (or blank rows for walk-ins).
type Sheet struct {
	Class   catalog.Class `json:"class"`
	Columns []string      `json:"columns"` // titles, after 序號; 簽名 is always last
	Rows    [][]string    `json:"rows"`
	Sort    []string      `json:"sort"`
	Blank   int           `json:"blank"`
}

// SignInSheet builds a sign-in sheet (L5): for online enrollees with the
// chosen columns sorted by a primary and secondary key, and blank numbered
// rows for walk-ins.
func (s *Service) SignInSheet(ctx context.Context, c auth.Caller, code, session string, cols, keys []string, blank int) (Sheet, error) {
	class, err := s.ownClass(ctx, c, code, session)
	if err != nil {
		return Sheet{}, err
	}
	if len(cols) == 0 {
		cols = []string{"agency", "title", "name"}
	}
	title := map[string]string{}
	for _, sc := range SheetColumns {
		title[sc.Key] = sc.Title
	}
	for _, q := range class.Survey { // the class's special-survey answers (survey.<key>)
		title[SurveyColumn+q.Key] = q.Label
	}
	sheet := Sheet{Class: class, Sort: keys, Blank: blank}
	for _, k := range cols {
		t, ok := title[k]
		if !ok {
			return Sheet{}, errcode.Field("columns", "沒有「"+k+"」這個欄位。")
		}
		sheet.Columns = append(sheet.Columns, t)
	}
	for _, k := range keys {
		if _, ok := roster.SortKeys[k]; !ok {
			return Sheet{}, errcode.Field("sort", "排序方式須為 name、agency、order、unit 或 title。")
		}
	}
	if blank < 0 || blank > 500 {
		return Sheet{}, errcode.Field("blank", "空白列數須介於 0 到 500。")
	}
	rows, err := s.loader().Load(ctx, class, catalog.Approved, keys...)
	if err != nil {
		return Sheet{}, err
	}
	for _, r := range rows {
		line := make([]string, len(cols))
		for i, k := range cols {
			switch k {
			case "agency":
				line[i] = r.Agency.Name
			case "unit":
				line[i] = r.Person.Unit
			case "title":
				line[i] = r.Person.Title
			case "name":
				line[i] = r.Person.Name
			case "nationalId":
				line[i] = maskID(r.Person.NationalID)
			default:
				line[i] = r.Answers[strings.TrimPrefix(k, SurveyColumn)]
			}
		}
		sheet.Rows = append(sheet.Rows, line)
	}
	return sheet, nil
}

// Nominatable lists the classes the caller's agency may nominate to now:
// 機關薦送, visible on the front stage, enrolling, admitting the agency.
func (s *Service) Nominatable(ctx context.Context, c auth.Caller) ([]catalog.Class, error) {
	now := s.Now()
	var out []catalog.Class
	after := ""
	for {
		page, err := s.Classes.FrontPage(ctx, now, after, 100)
		if err != nil {
			return nil, err
		}
		for _, k := range page.Items {
			if k.Method == catalog.Nominated &&
				CheckEnrollable(k, Applicant{Agency: c.Active.Code}, c.Active.Code, nil, now) == nil {
				out = append(out, k)
			}
		}
		if page.Next == "" || len(out) >= 500 {
			return out, nil
		}
		after = page.Next
	}
}

// Nomination is one nominated enrollment with names.
type Nomination struct {
	catalog.Enrollment
	ClassName  string `json:"className"`
	PersonName string `json:"personName"`
}

// Nominations lists the agency's nominations, newest first (P3).
func (s *Service) Nominations(ctx context.Context, c auth.Caller) ([]Nomination, error) {
	list, err := s.enrollments().Nominations(ctx, c.Active.Code, 500)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(list))
	for i, e := range list {
		ids[i] = e.PersonID
	}
	people, err := s.People.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	out := make([]Nomination, len(list))
	for i, e := range list {
		k := e.CourseCode + "#" + e.Session
		if _, ok := names[k]; !ok {
			if cl, err := s.Classes.Get(ctx, e.CourseCode, e.Session); err == nil {
				names[k] = cl.Name
			}
		}
		out[i] = Nomination{Enrollment: e, ClassName: names[k], PersonName: people[e.PersonID].Name}
	}
	return out, nil
}
