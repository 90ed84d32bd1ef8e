package account

import (
	"context"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/text/width"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// MemberInput is what an agency's top admin sends to add or edit a user (L8).
type MemberInput struct {
	ID     string              `json:"id" max:"id"`
	Name   string              `json:"name"`
	Email  string              `json:"email"`
	Title  string              `json:"title"`
	Agency string              `json:"agency" max:"id"`
	Serves []string            `json:"serves" max:"id"`
	Grants map[string][]string `json:"grants" max:"id"`
}

var (
	idRe    = regexp.MustCompile(`^[A-Za-z0-9._@-]{3,64}$`)
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Valid checks the shape of the input; scope and grants are checked by SaveMember.
func (in *MemberInput) Valid() error {
	in.ID, in.Name, in.Email, in.Title = strings.TrimSpace(in.ID), strings.TrimSpace(in.Name), strings.TrimSpace(in.Email), strings.TrimSpace(in.Title)
	in.ID = width.Narrow.String(in.ID) // ｍｏｉ．ｈｒ is typed for moi.hr
	switch {
	case !idRe.MatchString(in.ID):
		return errcode.Field("id", "使用者帳號（單一登入識別碼）須為 3 到 64 個英數字或 . _ @ -。")
	case in.Name == "" || len([]rune(in.Name)) > 50:
		return errcode.Field("name", "請填寫姓名（50 字以內）。")
	case in.Email != "" && !emailRe.MatchString(in.Email):
		return errcode.Field("email", "電子郵件格式不正確。")
	case !agency.ValidCode(in.Agency):
		return errcode.Field("agency", "請選擇所屬機關。")
	}
	for _, code := range in.Serves {
		if !agency.ValidCode(code) || code == in.Agency {
			return errcode.Field("serves", "兼辦機關代碼 "+code+" 不正確或與所屬機關相同。")
		}
	}
	for code, fs := range in.Grants {
		if code != in.Agency && !slices.Contains(in.Serves, code) {
			return errcode.Field("grants", "機關 "+code+" 不是這位使用者的所屬或兼辦機關，不能授權。")
		}
		for _, f := range fs {
			if _, ok := auth.LookupFeature(f); !ok {
				return errcode.Field("grants", "沒有功能代碼 "+f+"。")
			}
		}
	}
	return nil
}

// Member is a user as the L8 screen lists it.
type Member struct {
	User
	AgencyName string `json:"agencyName"`
}

// ListMembers lists the users of the caller's active agency and the units below it.
func (s *Service) ListMembers(ctx context.Context, c auth.Caller, under string) ([]Member, error) {
	root := c.Active
	if under != "" && under != root.Code {
		a, err := s.Agencies.Get(ctx, under)
		if err != nil {
			return nil, err
		}
		if !c.InScope(a) {
			return nil, errcode.New(errcode.AgencyForbidden, "機關 "+under+" 不在您目前服務機關的管轄範圍內。")
		}
		root = a
	}
	users, err := s.Repo.UsersUnder(ctx, root.Path)
	if err != nil {
		return nil, err
	}
	codes := make([]string, 0, len(users))
	for _, u := range users {
		codes = append(codes, u.Agency)
	}
	names, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(users))
	for _, u := range users {
		a := names[u.Agency]
		if !root.Contains(a) {
			continue
		}
		out = append(out, Member{User: u, AgencyName: a.Name})
	}
	return out, nil
}

// GetMember returns one user in the caller's scope; others are NotFound, so
// that ids of other agencies' users cannot be probed.
func (s *Service) GetMember(ctx context.Context, c auth.Caller, id string) (User, agency.Agency, error) {
	u, err := s.Repo.GetUser(ctx, id)
	if err != nil {
		return User{}, agency.Agency{}, err
	}
	a, err := s.Agencies.Get(ctx, u.Agency)
	if err != nil || !c.InScope(a) {
		return User{}, agency.Agency{}, errcode.New(errcode.NotFound, "找不到這位使用者。")
	}
	return u, a, nil
}

// SaveMember adds (prev == nil) or edits a user. Grants may only name agencies
// in the caller's scope and functions the caller holds; grants and 兼辦 for
// agencies outside the caller's scope are kept as they were.
func (s *Service) SaveMember(ctx context.Context, c auth.Caller, in MemberInput, create bool) (User, error) {
	var prev *User
	if !create {
		u, _, err := s.GetMember(ctx, c, in.ID)
		if err != nil {
			return User{}, err
		}
		prev = &u
	}
	codes := append([]string{in.Agency}, in.Serves...)
	found, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return User{}, err
	}
	for _, code := range codes {
		a, ok := found[code]
		if !ok {
			return User{}, errcode.Field("agency", "機關代碼 "+code+" 不在機關名冊中。")
		}
		if !c.InScope(a) {
			return User{}, errcode.New(errcode.AgencyForbidden, "機關 "+a.Name+"（"+code+"）不在您目前服務機關的管轄範圍內。")
		}
	}
	for code, fs := range in.Grants {
		for _, f := range fs {
			if !c.Can(f) {
				return User{}, &errcode.Error{Code: errcode.GrantExceedsOwn, Field: "grants",
					Message: "您本身沒有「" + auth.FeatureName(f) + "」的權限，無法授權給他人（機關 " + code + "）。"}
			}
		}
	}
	u := User{ID: in.ID, Name: in.Name, Email: in.Email, Title: in.Title, Agency: in.Agency,
		Serves: dedupe(in.Serves), Grants: map[string][]string{}, Updated: s.now().UTC()}
	if prev != nil {
		if prev.ID == c.UserID && prev.Agency != in.Agency {
			return User{}, errcode.Field("agency", "不能變更自己的所屬機關。")
		}
		u.Disabled = prev.Disabled
		// Keep what lies outside the caller's scope.
		prevAgencies, err := s.Agencies.GetMany(ctx, prev.AgencyCodes())
		if err != nil {
			return User{}, err
		}
		for _, code := range prev.Serves {
			if a, ok := prevAgencies[code]; ok && !c.InScope(a) && !slices.Contains(u.Serves, code) {
				u.Serves = append(u.Serves, code)
			}
		}
		for code, fs := range prev.Grants {
			if a, ok := prevAgencies[code]; ok && !c.InScope(a) {
				u.Grants[code] = fs
			}
		}
	}
	for code, fs := range in.Grants {
		u.Grants[code] = dedupe(fs)
	}
	action := "update_member"
	if create {
		action = "create_member"
	}
	e := AuditEntry{At: u.Updated, Actor: c.UserID, Action: action, Target: "user:" + u.ID, Agency: u.Agency, After: toJSON(u)}
	if prev != nil {
		e.Before = toJSON(prev)
	}
	if err := s.Repo.writeUser(ctx, u, found[u.Agency].Path, prev, e); err != nil {
		return User{}, err
	}
	return u, nil
}

// SetDisabled disables or re-enables a user in the caller's scope.
func (s *Service) SetDisabled(ctx context.Context, c auth.Caller, id string, disabled bool) (User, error) {
	prev, a, err := s.GetMember(ctx, c, id)
	if err != nil {
		return User{}, err
	}
	if id == c.UserID {
		return User{}, errcode.New(errcode.Invalid, "不能停用自己的帳號。")
	}
	u := prev
	u.Disabled, u.Updated = disabled, s.now().UTC()
	action := "enable_member"
	if disabled {
		action = "disable_member"
	}
	e := AuditEntry{At: u.Updated, Actor: c.UserID, Action: action, Target: "user:" + id, Agency: u.Agency,
		Before: toJSON(prev), After: toJSON(u)}
	return u, s.Repo.writeUser(ctx, u, a.Path, &prev, e)
}

// MemberAudit returns the audit trail of a user in scope.
func (s *Service) MemberAudit(ctx context.Context, c auth.Caller, id string) ([]AuditEntry, error) {
	if _, _, err := s.GetMember(ctx, c, id); err != nil {
		return nil, err
	}
	return s.Repo.AuditOf(ctx, "user:"+id)
}

// ListStats lists the statistics accounts of the caller's scope.
func (s *Service) ListStats(ctx context.Context, c auth.Caller) ([]StatsAccount, error) {
	return s.Repo.StatsUnder(ctx, c.Active.Path)
}

func dedupe(in []string) []string {
	out := slices.Clone(in)
	sort.Strings(out)
	return slices.Compact(out)
}
