package auth

import (
	"context"
	"errors"
	"net/http"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Caller is the signed-in user acting for their active agency.
type Caller struct {
	Principal
	UserID    string
	Name      string
	Home      agency.Agency   // the agency the user belongs to
	Active    agency.Agency   // the agency every request acts for (H3)
	Agencies  []agency.Agency // the agencies the user may switch to, home first
	Functions map[string]bool // granted in the active agency
	// MustChange: a statistics account signed in with a password an
	// administrator reset, which it must change now.
	MustChange bool
}

// Can reports whether the caller holds feature in the active agency.
func (c Caller) Can(feature string) bool { return c.Functions[feature] }

// InScope reports whether a lies in the caller's active agency or below it.
func (c Caller) InScope(a agency.Agency) bool { return c.Active.Contains(a) }

// CallerLoader turns a principal into a caller, refusing ended sessions and disabled users.
type CallerLoader interface {
	LoadCaller(ctx context.Context, p Principal) (Caller, error)
	// CheckSession refuses a principal whose session was signed out.
	CheckSession(ctx context.Context, p Principal) error
}

// PlatformClient is an e-learning platform registered to push learners'
// certified hours (自動時數上傳), acting for its owning agency.
type PlatformClient struct {
	ID         string
	Name       string
	Agency     string
	AgencyName string
	// National: registered by a system administrator to serve every agency
	// (E等公務園+); any other client writes only for its agency's subtree.
	National bool
}

// PlatformLoader finds a platform client that is still active (a revoked or
// unknown one is Unauthenticated), read consistently: a revoke takes effect
// on the next request.
type PlatformLoader interface {
	ActiveClient(ctx context.Context, id string) (PlatformClient, error)
}

// Guard is the one place where identity, agency scope and function grants are
// checked. Every route of every function goes through one of its methods.
// Platforms is needed only by the functions that serve Guard.Platform routes.
type Guard struct {
	Loader    CallerLoader
	Platforms PlatformLoader
}

type platformKey struct{}

// PlatformFrom returns the platform client a Guard put in ctx.
func PlatformFrom(ctx context.Context) PlatformClient {
	c, _ := ctx.Value(platformKey{}).(PlatformClient)
	return c
}

// WithPlatform returns ctx carrying c (for tests and calls outside HTTP).
func WithPlatform(ctx context.Context, c PlatformClient) context.Context {
	return context.WithValue(ctx, platformKey{}, c)
}

// Platform lets through platform clients only, and only while the client is
// active: the client's state is read on every request (the authorizer's
// decisions are never cached), so a revoke ends its tokens at once.
func (g Guard) Platform(h http.Handler) http.Handler {
	return httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := PrincipalFromRequest(r)
		if err != nil {
			return err
		}
		if p.Kind != KindPlatform {
			return errcode.New(errcode.Forbidden, "此功能僅供數位學習平臺以用戶端憑證呼叫。")
		}
		if g.Platforms == nil {
			return errors.New("guard: no platform loader wired")
		}
		c, err := g.Platforms.ActiveClient(r.Context(), p.Subject)
		if err != nil {
			return err
		}
		h.ServeHTTP(w, r.WithContext(WithPlatform(r.Context(), c)))
		return nil
	})
}

// errPlatformElsewhere refuses a platform client's token on every route but
// the platform ones.
var errPlatformElsewhere = errcode.New(errcode.Forbidden, "數位學習平臺的憑證只能呼叫自動時數上傳的 API。")

type callerKey struct{}

// CallerFrom returns the caller a Guard put in ctx.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

// Learner is the signed-in learner Guard.Session let through (the
// front-stage routes); Unauthenticated for a handler reached without it.
func Learner(ctx context.Context) (Principal, error) {
	p := CallerFrom(ctx).Principal
	if p.Subject == "" {
		return p, errcode.New(errcode.Unauthenticated, "尚未登入。")
	}
	return p, nil
}

// WithCaller returns ctx carrying c (for handlers called outside HTTP, and tests).
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// Require lets through officers holding feature in their active agency.
func (g Guard) Require(feature string, h http.Handler) http.Handler {
	return g.check(h, func(c Caller) error {
		if c.Kind != KindOfficer && feature != "S1" {
			return errcode.New(errcode.Forbidden, "統計報表帳號無法使用此功能。")
		}
		if !c.Can(feature) {
			return errcode.New(errcode.Forbidden, "您在目前的服務機關（"+c.Active.Name+"）沒有「"+FeatureName(feature)+"」的權限。")
		}
		return nil
	})
}

// Report lets through officers holding feature in their active agency, and
// statistics accounts (S1) granted that report.
func (g Guard) Report(feature string, h http.Handler) http.Handler {
	return g.check(h, func(c Caller) error {
		if !c.Can(feature) {
			return errcode.New(errcode.Forbidden, "您在目前的服務機關（"+c.Active.Name+"）沒有「"+FeatureName(feature)+"」的權限。")
		}
		return nil
	})
}

// RequireAny lets through officers holding any of features in their active
// agency (P2 lists the score downloads P1 requested).
func (g Guard) RequireAny(features []string, h http.Handler) http.Handler {
	return g.check(h, func(c Caller) error {
		for _, f := range features { // a statistics account holds only the reports granted to it
			if c.Can(f) {
				return nil
			}
		}
		return errcode.New(errcode.Forbidden, "您在目前的服務機關（"+c.Active.Name+"）沒有「"+FeatureName(features[0])+"」的權限。")
	})
}

// RequireAnyOfficer lets through officers holding any of features in their
// active agency, never a statistics account (重新計算 of the statistics
// writes what every reader of the agency sees).
func (g Guard) RequireAnyOfficer(features []string, h http.Handler) http.Handler {
	return g.check(h, func(c Caller) error {
		if c.Kind != KindOfficer {
			return errcode.New(errcode.Forbidden, "統計報表帳號無法使用此功能。")
		}
		for _, f := range features {
			if c.Can(f) {
				return nil
			}
		}
		return errcode.New(errcode.Forbidden, "您在目前的服務機關（"+c.Active.Name+"）沒有「"+FeatureName(features[0])+"」的權限。")
	})
}

// Officer lets through any signed-in officer (the home page functions H1–H7).
func (g Guard) Officer(h http.Handler) http.Handler {
	return g.check(h, func(c Caller) error {
		if c.Kind != KindOfficer {
			return errcode.New(errcode.Forbidden, "統計報表帳號無法使用此功能。")
		}
		return nil
	})
}

// SignedIn lets through any signed-in principal, officer or statistics account.
func (g Guard) SignedIn(h http.Handler) http.Handler {
	return g.check(h, func(Caller) error { return nil })
}

// MustChangeToo lets through any signed-in principal, a statistics account
// that must change its password too: only the password change and /api/me
// use it (and sign-out, through Session), every other route refuses such an
// account (errMustChange).
func (g Guard) MustChangeToo(h http.Handler) http.Handler {
	return g.guard(h, true, func(Caller) error { return nil })
}

// errMustChange refuses a statistics account signed in with a password an
// administrator reset, on every route but the ones of MustChangeToo.
var errMustChange = errcode.New(errcode.MustChange, "您的密碼已由管理者重設，請先變更密碼後再使用其他功能。")

// Session lets through any principal the authorizer verified whose session
// was not signed out, including learners of the front stage, who are not
// back-office users: the caller it passes on carries only the principal.
func (g Guard) Session(h http.Handler) http.Handler {
	return httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := PrincipalFromRequest(r)
		if err != nil {
			return err
		}
		if p.Kind == KindPlatform {
			return errPlatformElsewhere
		}
		if err := g.Loader.CheckSession(r.Context(), p); err != nil {
			return err
		}
		h.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), Caller{Principal: p})))
		return nil
	})
}

func (g Guard) check(h http.Handler, allow func(Caller) error) http.Handler {
	return g.guard(h, false, allow)
}

func (g Guard) guard(h http.Handler, mustChangeOK bool, allow func(Caller) error) http.Handler {
	return httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		p, err := PrincipalFromRequest(r)
		if err != nil {
			return err
		}
		if p.Kind == KindPlatform {
			return errPlatformElsewhere
		}
		c, err := g.Loader.LoadCaller(r.Context(), p)
		if err != nil {
			return err
		}
		if c.MustChange && !mustChangeOK {
			return errMustChange
		}
		if err := allow(c); err != nil {
			return err
		}
		h.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
		return nil
	})
}

// PrincipalFromRequest reads what the authorizer passed on in the API Gateway
// request context. A request that did not pass the authorizer has none.
func PrincipalFromRequest(r *http.Request) (Principal, error) {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil {
		return Principal{}, errcode.New(errcode.Unauthenticated, "尚未登入。")
	}
	p, ok := principalFromContext(rc.Authorizer.Lambda)
	if !ok {
		return Principal{}, errcode.New(errcode.Unauthenticated, "尚未登入。")
	}
	return p, nil
}
