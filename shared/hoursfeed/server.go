package hoursfeed

import (
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/ratelimit"
)

// Limiter is what the endpoints need of the throttle.
type Limiter = ratelimit.Limiter

// Server serves the token endpoint and the administrators' client screens
// (in the identity function, which holds the signing key).
type Server struct {
	Registry Registry
	Throttle Limiter
	// Sources limits token requests per source address (NewSourceThrottle).
	Sources    Limiter
	SigningKey []byte
	Guard      auth.Guard
}

// Routes adds the platform-client routes to a function's router.
func (s *Server) Routes(r httpapi.Router) {
	r.Handle("POST /api/platform/token", httpapi.HandlerFunc(s.handleToken))
	r.Handle("GET /api/platform-clients", s.Guard.Require(auth.SysAdmin, httpapi.HandlerFunc(s.handleList)))
	r.Handle("POST /api/platform-clients", s.Guard.Require(auth.SysAdmin, httpapi.HandlerFunc(s.handleRegister)))
	r.Handle("POST /api/platform-clients/{id}/revoke", s.Guard.Require(auth.SysAdmin, httpapi.HandlerFunc(s.handleRevoke)))
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request) error {
	list, err := s.Registry.Clients.List(r.Context())
	if err != nil {
		return err
	}
	if list == nil {
		list = []Client{}
	}
	httpapi.Encode(w, http.StatusOK, map[string]any{"items": list})
	return nil
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	in, err := httpapi.Decode[RegisterRequest](r)
	if err != nil {
		return err
	}
	out, err := s.Registry.Register(r.Context(), auth.CallerFrom(r.Context()).UserID, in)
	if err != nil {
		return err
	}
	slog.InfoContext(r.Context(), "platform client registered", "client", out.Client.ID, "agency", out.Client.Agency)
	httpapi.Encode(w, http.StatusCreated, out)
	return nil
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Registry.Clients.Revoke(r.Context(), r.PathValue("id"), auth.CallerFrom(r.Context()).UserID, s.Registry.Now())
	if err != nil {
		return err
	}
	slog.InfoContext(r.Context(), "platform client revoked", "client", c.ID)
	httpapi.Encode(w, http.StatusOK, c)
	return nil
}

// oauthError is RFC 6749 §5.2's error answer.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// tokenAnswer is RFC 6749 §5.1's successful answer.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

func oauthFail(w http.ResponseWriter, status int, code, desc string, basic bool) {
	if status == http.StatusUnauthorized && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="platform", charset="UTF-8"`)
	}
	w.Header().Set("Pragma", "no-cache")
	httpapi.Encode(w, status, oauthError{Error: code, Description: desc})
}

// handleToken is the client-credentials grant (RFC 6749 §4.4): a form body
// with grant_type=client_credentials, the client authenticated by HTTP Basic
// or by client_id/client_secret in the form (not both). Errors are the RFC's
// JSON shape: invalid_request and unsupported_grant_type 400, invalid_client
// 401. The secret is never logged.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		oauthFail(w, http.StatusBadRequest, "invalid_request", "請以 application/x-www-form-urlencoded 送出 grant_type 等參數。", false)
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		oauthFail(w, http.StatusBadRequest, "invalid_request", "無法讀取表單內容。", false)
		return nil
	}
	form := r.PostForm
	for _, k := range []string{"grant_type", "client_id", "client_secret"} {
		if len(form[k]) > 1 { // §3.2: parameters must not be repeated
			oauthFail(w, http.StatusBadRequest, "invalid_request", "參數 "+k+" 重複。", false)
			return nil
		}
	}
	id, secret, basic := r.BasicAuth()
	if basic && (form.Get("client_id") != "" || form.Get("client_secret") != "") {
		oauthFail(w, http.StatusBadRequest, "invalid_request", "用戶端憑證只能用一種方式提供（HTTP Basic 或表單）。", false)
		return nil
	}
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	switch gt := form.Get("grant_type"); {
	case gt == "":
		oauthFail(w, http.StatusBadRequest, "invalid_request", "缺少 grant_type。", false)
		return nil
	case gt != "client_credentials":
		oauthFail(w, http.StatusBadRequest, "unsupported_grant_type", "只支援 grant_type=client_credentials。", false)
		return nil
	}
	if id == "" || secret == "" || len(id) > 64 || len(secret) > 256 {
		oauthFail(w, http.StatusUnauthorized, "invalid_client", "缺少或無效的用戶端憑證。", basic)
		return nil
	}
	ctx := r.Context()
	c, err := s.Registry.Clients.Get(ctx, id)
	if err != nil && !errcode.Is(err, errcode.NotFound) {
		return err
	}
	granted := err == nil && c.State == Active && s.Registry.Hasher.Matches(secret, c.SecretHash)
	// Every request counts, a refused one in a window of its own: guessing
	// costs requests, and nobody who knows a client id (L1 lists it) can use
	// up the client's own quota with wrong secrets.
	window := id
	if !granted {
		window = id + RefusedSuffix
	}
	if s.Sources != nil { // before the client's own windows: one address cannot try many ids
		if wait, err := s.Sources.Take(ctx, ratelimit.Source(r)); err != nil {
			return err
		} else if wait > 0 {
			TooMany(w, wait)
			return nil
		}
	}
	if wait, err := s.Throttle.Take(ctx, window); err != nil {
		return err
	} else if wait > 0 {
		TooMany(w, wait)
		return nil
	}
	if !granted {
		slog.InfoContext(ctx, "platform token refused", "client", clipID(id))
		oauthFail(w, http.StatusUnauthorized, "invalid_client", "用戶端不存在、已停用或密鑰不正確。", basic)
		return nil
	}
	tok, p, err := auth.IssuePlatformToken(s.SigningKey, c.ID, s.Registry.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Pragma", "no-cache")
	httpapi.Encode(w, http.StatusOK, tokenAnswer{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(p.Expires.Sub(p.Issued).Seconds())})
	return nil
}

// TooMany answers 429 with Retry-After in whole seconds.
func TooMany(w http.ResponseWriter, wait time.Duration) {
	ratelimit.TooMany(w, wait, "每個平臺每分鐘的次數有上限")
}

// RateLimited is the code of a throttled call.
const RateLimited = ratelimit.Code

func clipID(id string) string {
	id = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, id)
	if len(id) > 64 {
		return id[:64]
	}
	return id
}

// RefusedSuffix names the throttle window of a client id's refused token
// requests (a wrong secret, an unknown or revoked client).
const RefusedSuffix = "#refused"
