package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// BcryptCost is the work factor of statistics-account passwords (about a
// quarter of a second per check on a Lambda core: slow for an attacker,
// bearable at sign-in).
const BcryptCost = 12

// Service is the account logic behind the identity function and the Guard.
type Service struct {
	Repo       Repo
	Agencies   agency.Repo
	SigningKey []byte
	Now        func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// LoadCaller implements auth.CallerLoader.
func (s *Service) LoadCaller(ctx context.Context, p auth.Principal) (auth.Caller, error) {
	user, stats, sess, err := s.Repo.principalItems(ctx, p)
	if err != nil {
		return auth.Caller{}, err
	}
	if sess != nil && sess.Revoked {
		return auth.Caller{}, errcode.New(errcode.SessionEnded, "您已登出，請重新登入。")
	}
	c := auth.Caller{Principal: p}
	var codes []string
	switch {
	case p.Kind == auth.KindStats && stats != nil:
		// A password change or reset ends every session signed in before it
		// (tokens carry whole seconds, so the change is compared by the second).
		if !stats.Changed.IsZero() && p.Issued.Before(stats.Changed.Truncate(time.Second)) {
			return auth.Caller{}, errcode.New(errcode.SessionEnded, "帳號密碼已變更，請以新密碼重新登入。")
		}
		c.UserID, c.Name, c.MustChange = stats.Username, stats.Name, stats.MustChange
		codes = []string{stats.Agency}
		c.Functions = map[string]bool{"S1": true}
		reports := stats.Reports
		if len(reports) == 0 {
			reports = DefaultStatsReports
		}
		for _, f := range reports {
			c.Functions[f] = true
		}
	case p.Kind == auth.KindOfficer && user != nil:
		if user.Disabled {
			return auth.Caller{}, errcode.New(errcode.AccountDisabled, "您的後台帳號已被停用，請洽機關最高管理者。")
		}
		c.UserID, c.Name = user.ID, user.Name
		codes = user.AgencyCodes()
	default:
		return auth.Caller{}, errcode.New(errcode.AccountDisabled, "您尚未開通終身學習入口網站後台權限，請洽所屬機關的最高管理者。")
	}
	found, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return auth.Caller{}, err
	}
	for _, code := range codes {
		if a, ok := found[code]; ok {
			c.Agencies = append(c.Agencies, a)
		}
	}
	if len(c.Agencies) == 0 {
		return auth.Caller{}, errcode.New(errcode.AccountDisabled, "您所屬的機關已不在機關名冊中，請洽人事單位。")
	}
	c.Home, c.Active = c.Agencies[0], c.Agencies[0]
	if sess != nil && sess.Active != "" {
		for _, a := range c.Agencies {
			if a.Code == sess.Active {
				c.Active = a
			}
		}
	}
	if user != nil {
		c.Functions = map[string]bool{}
		for _, f := range user.Grants[c.Active.Code] {
			c.Functions[f] = true
		}
	}
	return c, nil
}

// SwitchAgency sets the active agency of the caller's session (H3).
func (s *Service) SwitchAgency(ctx context.Context, c auth.Caller, code string) error {
	for _, a := range c.Agencies {
		if a.Code == code {
			return s.Repo.SetActiveAgency(ctx, Session{ID: c.SessionID, Subject: c.Subject, Active: code, TTL: ttl(c.Expires)})
		}
	}
	return errcode.New(errcode.AgencyForbidden, "您沒有兼辦機關 "+code+"，無法切換。")
}

// SignOut ends the session server side: the token is refused from now on
// (H1), whoever holds it: an officer, a statistics account or a learner.
func (s *Service) SignOut(ctx context.Context, p auth.Principal) error {
	return s.Repo.Revoke(ctx, Session{ID: p.SessionID, Subject: p.Subject, TTL: ttl(p.Expires)})
}

// CheckSession implements auth.CallerLoader: a signed-out session is SessionEnded.
func (s *Service) CheckSession(ctx context.Context, p auth.Principal) error {
	revoked, err := s.Repo.SessionRevoked(ctx, p.SessionID)
	if err != nil {
		return err
	}
	if revoked {
		return errcode.New(errcode.SessionEnded, "您已登出，請重新登入。")
	}
	return nil
}

func ttl(exp time.Time) int64 {
	if exp.IsZero() {
		return time.Now().Add(24 * time.Hour).Unix()
	}
	return exp.Add(time.Hour).Unix()
}

// errSignIn is the one answer to every refused sign-in: an unknown name, a
// wrong password and a locked account look alike (status, message and time),
// so the answers tell nobody which names exist.
var errSignIn = errcode.New(errcode.BadCredentials,
	fmt.Sprintf("帳號或密碼錯誤。同一帳號 %d 分鐘內錯誤 %d 次將暫停登入 %d 分鐘，若忘記密碼請洽管理者重設。",
		int(LockFor.Minutes()), MaxFailures, int(LockFor.Minutes())))

// errLocked is checkPassword's answer when no check was granted.
var errLocked = errcode.New(errcode.AccountLocked,
	fmt.Sprintf("密碼錯誤次數過多，已暫停 %d 分鐘，請稍後再試或洽管理者重設密碼。", int(LockFor.Minutes())))

// StatsLogin checks a statistics account's password, with lockout, and issues a token (S1).
func (s *Service) StatsLogin(ctx context.Context, username, password string) (string, StatsAccount, error) {
	acct, err := s.Repo.GetStats(ctx, username)
	if errcode.Is(err, errcode.NotFound) {
		// Spend the same time as a real check, so timing does not reveal which names exist.
		_ = s.compare(dummyHash, password)
		return "", StatsAccount{}, errSignIn
	}
	if err != nil {
		return "", StatsAccount{}, err
	}
	if err := s.checkPassword(ctx, acct, password); err != nil {
		if errors.Is(err, errLocked) {
			pace(ctx) // no comparison ran: take as long as one
			return "", StatsAccount{}, errSignIn
		}
		if errcode.Is(err, errcode.BadCredentials) {
			return "", StatsAccount{}, errSignIn
		}
		return "", StatsAccount{}, err
	}
	tok, _, err := auth.IssueStatsToken(s.SigningKey, username, s.now())
	if err != nil {
		return "", StatsAccount{}, fmt.Errorf("issue stats token: %w", err)
	}
	return tok, acct, nil
}

// checkPassword compares password with the account's under the lockout. The
// check is taken before the comparison (Repo.takeAttempt), so requests in
// flight at once get no more comparisons than the window allows; without a
// check granted the password is not compared at all (errLocked).
func (s *Service) checkPassword(ctx context.Context, acct StatsAccount, password string) error {
	now := s.now()
	n, ok, err := s.Repo.takeAttempt(ctx, acct.Username, now)
	if err != nil {
		return err
	}
	if !ok {
		return errLocked
	}
	if s.compare(acct.PasswordHash, password) == nil {
		return s.Repo.giveBack(ctx, acct.Username)
	}
	if n >= MaxFailures {
		if err := s.Repo.lock(ctx, acct.Username, now.Add(LockFor)); err != nil {
			return err
		}
	}
	return errcode.New(errcode.BadCredentials, "密碼不正確。")
}

// compare runs bcrypt and remembers how long it took (see pace).
func (s *Service) compare(hash []byte, password string) error {
	start := time.Now()
	err := compareHash(hash, []byte(password))
	lastCompare.Store(int64(time.Since(start)))
	return err
}

// lastCompare is how long the last bcrypt comparison took, in nanoseconds.
var lastCompare atomic.Int64

// pace waits as long as the last comparison took: a refusal that compared
// nothing (a locked account) takes the time of one that did, without its CPU.
func pace(ctx context.Context) {
	d := time.Duration(lastCompare.Load())
	if d <= 0 {
		d = 250 * time.Millisecond // BcryptCost on a Lambda core
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// compareHash is bcrypt's comparison (a variable so tests can count comparisons).
var compareHash = bcrypt.CompareHashAndPassword

// dummyHash is a fixed cost-BcryptCost hash (of "not a password"), written out
// rather than computed: computing it at package init cost every function that
// links the Guard about 300 ms of cold start.
var dummyHash = []byte("$2a$12$OYXwA9YVbVR0RJPzmUT4Wef8mOasf4QnrhzY0cFbRlUqvLWiXd716")

// ChangePassword lets a statistics account set a new password (H4).
func (s *Service) ChangePassword(ctx context.Context, c auth.Caller, current, next string) error {
	if c.Kind != auth.KindStats {
		return errcode.New(errcode.Forbidden, "公務人員請至人事服務網（ECPA）變更密碼。")
	}
	acct, err := s.Repo.GetStats(ctx, c.Subject)
	if err != nil {
		return err
	}
	// A wrong current password counts toward the lockout as at sign-in: a
	// stolen token must not become a way to guess the password.
	if err := s.checkPassword(ctx, acct, current); err != nil {
		if errcode.Is(err, errcode.BadCredentials) {
			return &errcode.Error{Code: errcode.BadCredentials, Field: "current", Message: "目前的密碼不正確。"}
		}
		if errors.Is(err, errLocked) { // the caller is signed in: the account's state is no secret to it
			return &errcode.Error{Code: errcode.AccountLocked, Field: "current", Message: errLocked.Message}
		}
		return err
	}
	if err := CheckStrength(next, acct.Username); err != nil {
		return err
	}
	if current == next {
		return &errcode.Error{Code: errcode.WeakPassword, Field: "new", Message: "新密碼不可與目前的密碼相同。"}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), BcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	if err := s.Repo.setPassword(ctx, acct.Username, hash, false, s.now()); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	return s.Repo.putAudit(ctx, AuditEntry{At: s.now(), Actor: c.Subject, Action: "change_password",
		Target: "stats:" + acct.Username, Agency: acct.Agency})
}

// MaxPasswordBytes is bcrypt's limit: it cannot hash a longer password.
const MaxPasswordBytes = 72

// CheckStrength is the password rule: at least 12 characters with upper and
// lower case letters, a digit and a symbol, at most 72 bytes (bcrypt), and not
// containing the user name.
func CheckStrength(pw, username string) error {
	if len(pw) > MaxPasswordBytes {
		return &errcode.Error{Code: errcode.WeakPassword, Field: "new",
			Message: fmt.Sprintf("新密碼過長：不可超過 %d 個位元組（英數字 %d 字；中文每字佔 3 個位元組）。", MaxPasswordBytes, MaxPasswordBytes)}
	}
	var upper, lower, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsLower(r):
			lower = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsPunct(r) || unicode.IsSymbol(r):
			symbol = true
		}
	}
	var missing []string
	if len([]rune(pw)) < 12 {
		missing = append(missing, "至少 12 個字元")
	}
	if !upper || !lower {
		missing = append(missing, "大小寫英文字母")
	}
	if !digit {
		missing = append(missing, "數字")
	}
	if !symbol {
		missing = append(missing, "符號")
	}
	if len(missing) > 0 {
		return &errcode.Error{Code: errcode.WeakPassword, Field: "new", Message: "新密碼須包含：" + strings.Join(missing, "、") + "。"}
	}
	if username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)) {
		return &errcode.Error{Code: errcode.WeakPassword, Field: "new", Message: "新密碼不可包含帳號名稱。"}
	}
	return nil
}

// ResetStatsPassword gives a statistics account a one-time password that must
// be changed at next sign-in (L8). Only an admin whose scope covers the account.
func (s *Service) ResetStatsPassword(ctx context.Context, c auth.Caller, username string) (string, error) {
	acct, err := s.Repo.GetStats(ctx, username)
	if err != nil {
		return "", err
	}
	if err := s.inScope(ctx, c, acct.Agency); err != nil {
		return "", errcode.New(errcode.NotFound, "找不到這個統計報表帳號。")
	}
	temp := TempPassword()
	hash, err := bcrypt.GenerateFromPassword([]byte(temp), BcryptCost)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	if err := s.Repo.setPassword(ctx, username, hash, true, s.now()); err != nil {
		return "", fmt.Errorf("reset password: %w", err)
	}
	return temp, s.Repo.putAudit(ctx, AuditEntry{At: s.now(), Actor: c.UserID, Action: "reset_password",
		Target: "stats:" + username, Agency: acct.Agency})
}

// TempPassword is a one-time password: readable, grouped for reading aloud,
// and always meeting CheckStrength.
func TempPassword() string {
	for {
		if p := auth.ReadableSecret(3); CheckStrength(p, "") == nil {
			return p
		}
	}
}

func (s *Service) inScope(ctx context.Context, c auth.Caller, code string) error {
	a, err := s.Agencies.Get(ctx, code)
	if err != nil {
		return err
	}
	if !c.InScope(a) {
		return errcode.New(errcode.AgencyForbidden, "機關 "+code+" 不在您目前服務機關的管轄範圍內。")
	}
	return nil
}
