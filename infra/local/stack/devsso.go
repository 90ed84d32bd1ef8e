package stack

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// devSSO stands in for the ECPA personnel SSO on this machine: an OIDC issuer
// (discovery document and keys) whose tokens the real authorizer verifies,
// plus GET /api/dev/users and POST /api/dev/token for the sign-in page, tests
// and scripts. None of it is in template.yaml: it exists only locally.
type devSSO struct {
	issuer   string
	audience string
	key      *rsa.PrivateKey
	kid      string
	users    account.Repo
	agencies agency.Repo
	people   staff.Repo
}

func newDevSSO(issuer, audience string, users account.Repo, agencies agency.Repo, people staff.Repo) (*devSSO, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &devSSO{issuer: issuer, audience: audience, key: key, kid: auth.RandomID(4), users: users, agencies: agencies, people: people}, nil
}

func (d *devSSO) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /dev-sso/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		httpapi.Encode(w, http.StatusOK, map[string]any{
			"issuer": d.issuer, "jwks_uri": d.issuer + "/jwks", "authorization_endpoint": d.issuer + "/authorize",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_modes_supported": []string{"fragment"},
			"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /dev-sso/jwks", func(w http.ResponseWriter, r *http.Request) {
		httpapi.Encode(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &d.key.PublicKey, KeyID: d.kid, Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /dev-sso/authorize", d.handleAuthorize)
	mux.Handle("GET /api/dev/users", httpapi.HandlerFunc(d.handleUsers))
	mux.Handle("POST /api/dev/token", httpapi.HandlerFunc(d.handleToken))
	mux.Handle("GET /api/dev/people", httpapi.HandlerFunc(d.handlePeople))
}

// handlePeople lists a few civil servants of an agency with their national
// IDs, so browser tests can write upload files for real people. Local only.
func (d *devSSO) handlePeople(w http.ResponseWriter, r *http.Request) error {
	list, err := d.people.OfAgency(r.Context(), r.URL.Query().Get("agency"), 20)
	if err != nil {
		return err
	}
	out := make([]map[string]string, len(list))
	for i, p := range list {
		out[i] = map[string]string{"id": p.ID, "nationalId": p.NationalID, "name": p.Name, "agency": p.Agency}
	}
	httpapi.Encode(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type devUser struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Agency     string   `json:"agency"`
	AgencyName string   `json:"agencyName"`
	Role       string   `json:"role"`
	Serves     []string `json:"serves,omitempty"`
	Disabled   bool     `json:"disabled,omitempty"`
}

// Role names a user by what they were granted in their home agency.
func Role(u account.User) string {
	has := func(f string) bool {
		for _, g := range u.Grants[u.Agency] {
			if g == f {
				return true
			}
		}
		return false
	}
	var roles []string
	switch {
	case has(auth.SysAdmin):
		roles = append(roles, "系統管理者")
	case has("L8"):
		roles = append(roles, "機關最高管理者")
	}
	if has("P1") || has("P5") {
		roles = append(roles, "人事人員")
	}
	if has("L2") || has("L5") {
		roles = append(roles, "開課單位承辦人")
	}
	if len(roles) == 0 {
		return "一般承辦人"
	}
	return strings.Join(roles, "、")
}

func (d *devSSO) handleUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := d.users.AllUsers(r.Context())
	if err != nil {
		return err
	}
	codes := make([]string, 0, len(users))
	for _, u := range users {
		codes = append(codes, u.Agency)
	}
	names, err := d.agencies.GetMany(r.Context(), codes)
	if err != nil {
		return err
	}
	out := make([]devUser, 0, len(users))
	for _, u := range users {
		out = append(out, devUser{ID: u.ID, Name: u.Name, Agency: u.Agency, AgencyName: names[u.Agency].Name,
			Role: Role(u), Serves: u.Serves, Disabled: u.Disabled})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	httpapi.Encode(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type tokenRequest struct {
	UserID     string `json:"userId"`
	TTLSeconds int    `json:"ttlSeconds"` // tests ask for an expired token with a negative value
}

func (d *devSSO) handleToken(w http.ResponseWriter, r *http.Request) error {
	in, err := httpapi.Decode[tokenRequest](r)
	if err != nil {
		return err
	}
	if in.UserID == "" {
		return errcode.Field("userId", "請指定 userId。")
	}
	ttl := 8 * time.Hour
	if in.TTLSeconds != 0 {
		ttl = time.Duration(in.TTLSeconds) * time.Second
	}
	tok, err := d.Sign(r.Context(), in.UserID, ttl)
	if err != nil {
		return err
	}
	httpapi.Encode(w, http.StatusOK, map[string]string{"token": tok})
	return nil
}

// SignClaims signs arbitrary claims with the issuer's key (tests forge
// tokens with a wrong issuer, audience or expiry this way).
func (d *devSSO) SignClaims(claims jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = d.kid
	return t.SignedString(d.key)
}

// Sign issues an ID token for userID, as the SSO would.
func (d *devSSO) Sign(_ context.Context, userID string, ttl time.Duration) (string, error) {
	now := time.Now()
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": d.issuer, "aud": d.audience, "sub": userID, "jti": auth.RandomID(12),
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	})
	t.Header["kid"] = d.kid
	return t.SignedString(d.key)
}

// handleAuthorize is the SSO's sign-in page (OpenID Connect implicit flow,
// response_type=id_token, response_mode=fragment): it lists the users; picking
// one returns to redirect_uri with a signed id_token carrying the nonce. Only
// redirect URIs on the stack's own origin are accepted.
func (d *devSSO) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	origin, _ := url.Parse(d.issuer)
	switch {
	case q.Get("response_type") != "id_token" || q.Get("client_id") != d.audience:
		http.Error(w, "unsupported response_type or unknown client_id", http.StatusBadRequest)
		return
	case err != nil || redirect.Host != origin.Host || redirect.Scheme != origin.Scheme:
		http.Error(w, "redirect_uri must be on "+origin.Scheme+"://"+origin.Host, http.StatusBadRequest)
		return
	case q.Get("state") == "" || q.Get("nonce") == "":
		http.Error(w, "state and nonce are required", http.StatusBadRequest)
		return
	}
	if user := q.Get("user"); user != "" {
		now := time.Now()
		tok, err := d.SignClaims(jwt.MapClaims{"iss": d.issuer, "aud": d.audience, "sub": user, "jti": auth.RandomID(12),
			"nonce": q.Get("nonce"), "iat": now.Unix(), "exp": now.Add(8 * time.Hour).Unix()})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		frag := url.Values{"id_token": {tok}, "state": {q.Get("state")}}
		http.Redirect(w, r, redirect.String()+"#"+frag.Encode(), http.StatusFound)
		return
	}
	users, err := d.users.AllUsers(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sort.Slice(users, func(i, j int) bool { return users[i].ID < users[j].ID })
	var b strings.Builder
	b.WriteString(`<!doctype html><html lang="zh-Hant-TW"><meta charset="utf-8"><title>人事服務網單一登入（本機模擬）</title>` +
		`<body style="font-family:sans-serif;max-width:640px;margin:40px auto"><h1>人事服務網單一登入（本機模擬）</h1><p>請選擇登入的使用者：</p><ul>`)
	for _, u := range users {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("user", u.ID)
		fmt.Fprintf(&b, `<li><a data-user="%s" href="?%s">%s（%s）</a></li>`, html.EscapeString(u.ID), html.EscapeString(v.Encode()),
			html.EscapeString(u.Name), html.EscapeString(u.ID))
	}
	b.WriteString(`</ul></body></html>`)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, b.String())
}
