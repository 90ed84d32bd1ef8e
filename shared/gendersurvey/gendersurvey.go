// Package gendersurvey is P17 性別主流化訓練情形調查: one form per agency and
// year, pre-filled with the numbers computed from the staff directory and the
// learning summaries (STATISTICS.md: N by gender, and by gender those with at
// least one hour in the gender-mainstreaming category, with their hours),
// editable until the year's deadline and read-only after. Which agencies must
// report, the deadline and the category are data (requirement tables,
// gender-survey.csv); the others show 不須填報.
package gendersurvey

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// Counts are the numbers of one form, by gender.
type Counts struct {
	MenStaff     int `dynamo:"menStaff" json:"menStaff"`
	WomenStaff   int `dynamo:"womenStaff" json:"womenStaff"`
	MenTrained   int `dynamo:"menTrained" json:"menTrained"`     // with ≥ 1 hour in the category
	WomenTrained int `dynamo:"womenTrained" json:"womenTrained"` // with ≥ 1 hour in the category
	MenHours     int `dynamo:"menHours" json:"menHours"`         // their hours in the category
	WomenHours   int `dynamo:"womenHours" json:"womenHours"`
}

// MaxCount bounds every number an officer types.
const MaxCount = 10_000_000

func (c Counts) check() error {
	var fe errcode.Fields
	for _, f := range []struct {
		key string
		v   int
	}{{"menStaff", c.MenStaff}, {"womenStaff", c.WomenStaff}, {"menTrained", c.MenTrained}, {"womenTrained", c.WomenTrained},
		{"menHours", c.MenHours}, {"womenHours", c.WomenHours}} {
		if f.v < 0 || f.v > MaxCount {
			fe.Add(errcode.Field(f.key, fmt.Sprintf("請填 0 至 %d 的整數。", MaxCount)))
		}
	}
	if c.MenTrained > c.MenStaff {
		fe.Add(errcode.Field("menTrained", "受訓男性人數不可多於男性人數。"))
	}
	if c.WomenTrained > c.WomenStaff {
		fe.Add(errcode.Field("womenTrained", "受訓女性人數不可多於女性人數。"))
	}
	return fe.Err()
}

// Form is one agency's form of one year as the screen sees it.
type Form struct {
	Agency    agency.Agency `json:"agency"`
	Year      int           `json:"year"`
	Required  bool          `json:"required"`
	Deadline  string        `json:"deadline,omitempty"`
	Editable  bool          `json:"editable"`
	Computed  Counts        `json:"computed"`
	Values    *Counts       `json:"values,omitempty"` // what the agency reported; nil until it saves
	Note      string        `json:"note,omitempty"`
	Updated   time.Time     `json:"updated,omitzero"`
	UpdatedBy string        `json:"updatedBy,omitempty"`
}

type item struct {
	PK        string    `dynamo:"pk"`
	SK        string    `dynamo:"sk"`
	Values    Counts    `dynamo:"values"`
	Note      string    `dynamo:"note,omitempty"`
	Updated   time.Time `dynamo:"updated"`
	UpdatedBy string    `dynamo:"updatedBy"`
}

func key(code string, year int) (string, string) { return "GENDERSURVEY#" + code, fmt.Sprint(year) }

// Service reads, computes and saves forms.
type Service struct {
	Table    dynamo.Table // Directory
	Agencies interface {
		Get(ctx context.Context, code string) (agency.Agency, error)
	}
	Subtree interface {
		Subtree(ctx context.Context, a agency.Agency) ([]agency.Agency, error)
	}
	People interface {
		OfAgency(ctx context.Context, agency string, limit int) ([]staff.Person, error)
	}
	Summaries interface {
		GetMany(ctx context.Context, ids []string, year int) (map[string]summary.Summary, error)
	}
	Requirements interface {
		Get(ctx context.Context) (*requirement.Tables, error)
	}
	Codes interface {
		Get(ctx context.Context, name string) (*codes.Table, error)
	}
	Now func() time.Time
}

// maxStaff bounds one agency's population read for a form.
const maxStaff = 100_000

// Get returns the form of agency code (in the caller's subtree) of year.
func (s *Service) Get(ctx context.Context, c auth.Caller, code string, year int) (Form, error) {
	if !agency.ValidCode(code) {
		return Form{}, errcode.Field("agency", "機關代碼須為 10 碼英數字。")
	}
	a, err := s.Agencies.Get(ctx, code)
	if err != nil {
		return Form{}, err
	}
	if !c.InScope(a) {
		return Form{}, errcode.New(errcode.AgencyForbidden, "您只能查看目前服務機關（"+c.Active.Name+"）及其所屬機關的調查表。")
	}
	t, err := s.Requirements.Get(ctx)
	if err != nil {
		return Form{}, err
	}
	f := Form{Agency: a, Year: year}
	sv, ok := t.SurveyOf(year)
	if !ok || !sv.Requires(a.Code) {
		return f, nil // 不須填報
	}
	f.Required, f.Deadline = true, sv.Deadline
	f.Editable = roc.Today(s.Now()) <= sv.Deadline
	if f.Computed, err = s.compute(ctx, a.Code, year, sv.Category); err != nil {
		return Form{}, err
	}
	var it item
	pk, sk := key(a.Code, year)
	err = s.Table.Get("pk", pk).Range("sk", dynamo.Equal, sk).Consistent(true).One(ctx, &it)
	switch {
	case errors.Is(err, dynamo.ErrNotFound):
	case err != nil:
		return Form{}, fmt.Errorf("gender survey %s %d: %w", a.Code, year, err)
	default:
		f.Values, f.Note, f.Updated, f.UpdatedBy = &it.Values, it.Note, it.Updated, it.UpdatedBy
	}
	return f, nil
}

// compute counts the agency's staff by gender and those with at least one
// hour under the category (and their hours), from the summaries of the year.
func (s *Service) compute(ctx context.Context, code string, year int, category string) (Counts, error) {
	ppl, err := s.People.OfAgency(ctx, code, maxStaff)
	if err != nil {
		return Counts{}, err
	}
	ids := make([]string, len(ppl))
	for i, p := range ppl {
		ids[i] = p.ID
	}
	sums, err := s.Summaries.GetMany(ctx, ids, year)
	if err != nil {
		return Counts{}, err
	}
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return Counts{}, err
	}
	tree := summary.NewTree(cats)
	var n Counts
	for _, p := range ppl {
		h := tree.HoursUnder(sums[p.ID].Categories, category)
		switch p.Gender {
		case 1:
			n.MenStaff++
			if h >= 1 {
				n.MenTrained++
				n.MenHours += h
			}
		case 2:
			n.WomenStaff++
			if h >= 1 {
				n.WomenTrained++
				n.WomenHours += h
			}
		}
	}
	return n, nil
}

// Input is what PUT /api/gender-survey reads.
type Input struct {
	Agency string    `json:"agency" max:"id"`
	Year   int       `json:"year"`
	Values Counts    `json:"values"`
	Note   string    `json:"note" max:"500,multiline"`
	Prior  time.Time `json:"updated"` // the form's updated time as read (zero for a first save)
}

// Save records an agency's form: only for a required agency, until the
// deadline, and only over the version that was read (two officers saving
// at once: the second is told to reload).
func (s *Service) Save(ctx context.Context, c auth.Caller, in Input) (Form, error) {
	if err := in.Values.check(); err != nil {
		return Form{}, err
	}
	f, err := s.Get(ctx, c, in.Agency, in.Year)
	if err != nil {
		return Form{}, err
	}
	if !f.Required {
		return Form{}, errcode.New(errcode.Conflict, "此機關本年度不須填報。")
	}
	if !f.Editable {
		return Form{}, errcode.New(errcode.Conflict, "已逾填報期限（"+roc.FormatISO(f.Deadline)+"），調查表不可再修改。")
	}
	pk, sk := key(f.Agency.Code, in.Year)
	it := item{PK: pk, SK: sk, Values: in.Values, Note: in.Note, Updated: s.Now().UTC(), UpdatedBy: c.UserID}
	put := s.Table.Put(it)
	if in.Prior.IsZero() {
		put = put.If("attribute_not_exists(pk)")
	} else {
		put = put.If("$ = ?", "updated", in.Prior.UTC())
	}
	if err := put.Run(ctx); dynamo.IsCondCheckFailed(err) {
		return Form{}, errcode.New(errcode.Conflict, "調查表已被他人修改，請重新載入後再儲存。")
	} else if err != nil {
		return Form{}, fmt.Errorf("save gender survey %s %d: %w", f.Agency.Code, in.Year, err)
	}
	f.Values, f.Note, f.Updated, f.UpdatedBy = &it.Values, it.Note, it.Updated, it.UpdatedBy
	return f, nil
}

// Status is one agency's line in the list of the caller's subtree.
type Status struct {
	Agency    agency.Agency `json:"agency"`
	Required  bool          `json:"required"`
	Updated   time.Time     `json:"updated,omitzero"`
	UpdatedBy string        `json:"updatedBy,omitempty"`
}

// List answers the forms of the caller's active agency and every agency
// below it for a year: required or 不須填報, and when each was saved.
func (s *Service) List(ctx context.Context, c auth.Caller, year int) ([]Status, string, error) {
	t, err := s.Requirements.Get(ctx)
	if err != nil {
		return nil, "", err
	}
	sv, _ := t.SurveyOf(year)
	as, err := s.Subtree.Subtree(ctx, c.Active)
	if err != nil {
		return nil, "", err
	}
	out := make([]Status, 0, len(as))
	var keys []dynamo.Keyed
	for _, a := range as {
		out = append(out, Status{Agency: a, Required: sv.Requires(a.Code)})
		if sv.Requires(a.Code) {
			pk, sk := key(a.Code, year)
			keys = append(keys, dynamo.Keys{pk, sk})
		}
	}
	if len(keys) > 0 {
		var items []item
		for start := 0; start < len(keys); start += 100 {
			var part []item
			err := s.Table.Batch("pk", "sk").Get(keys[start:min(start+100, len(keys))]...).All(ctx, &part)
			if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
				return nil, "", fmt.Errorf("gender surveys: %w", err)
			}
			items = append(items, part...)
		}
		saved := map[string]item{}
		for _, it := range items {
			saved[it.PK] = it
		}
		for i := range out {
			pk, _ := key(out[i].Agency.Code, year)
			if it, ok := saved[pk]; ok {
				out[i].Updated, out[i].UpdatedBy = it.Updated, it.UpdatedBy
			}
		}
	}
	return out, sv.Deadline, nil
}
