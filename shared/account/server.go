package account

import (
	"net/http"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/ratelimit"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Links are the outside addresses the front end shows (H2, H4, L7).
type Links struct {
	FrontStage string `json:"frontStage"`
	Password   string `json:"password"`
	ELearn     string `json:"elearn"`
}

// SSOConfig is what the sign-in page needs to start the SSO flow.
type SSOConfig struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"clientId"`
}

// Server is the identity function: who am I, agencies, sessions, members.
type Server struct {
	Service *Service
	Guard   auth.Guard
	Links   Links
	SSO     SSOConfig
	// SignIns limits statistics sign-ins per source address (nil: none).
	SignIns ratelimit.Limiter
	// Now is the business clock /api/me reports (the front end's "today").
	// Sign-in, sessions and tokens keep the machine's clock (Service), as the
	// token libraries that verify them do.
	Now func() time.Time
}

// NewServer returns the identity function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

type agencyView struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Level int         `json:"level"`
	Kind  agency.Kind `json:"kind"`
}

func viewOf(a agency.Agency) agencyView {
	return agencyView{Code: a.Code, Name: a.Name, Level: a.Level, Kind: a.Kind}
}

type meUser struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type meResponse struct {
	User       meUser         `json:"user"`
	Active     agencyView     `json:"active"`
	Home       agencyView     `json:"home"`
	Agencies   []agencyView   `json:"agencies"`
	Functions  []auth.Feature `json:"functions"`
	Links      Links          `json:"links"`
	MustChange bool           `json:"mustChangePassword"`
	Now        time.Time      `json:"now"`   // the server's clock: the front end's "today" is its Taipei day
	Today      string         `json:"today"` // ISO date, Asia/Taipei
}

func (s *Server) handleMe() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		var out meResponse
		out.User = meUser{ID: c.UserID, Name: c.Name, Kind: string(c.Kind)}
		out.Active, out.Home, out.Links = viewOf(c.Active), viewOf(c.Home), s.Links
		out.Agencies = []agencyView{}
		for _, a := range c.Agencies {
			out.Agencies = append(out.Agencies, viewOf(a))
		}
		out.Functions = []auth.Feature{}
		for _, f := range auth.Features {
			if c.Can(f.ID) {
				out.Functions = append(out.Functions, f)
			}
		}
		out.MustChange = c.MustChange
		now := time.Now()
		if s.Now != nil {
			now = s.Now()
		}
		out.Now, out.Today = now.UTC(), roc.Today(now)
		httpapi.Encode(w, http.StatusOK, out)
		return nil
	}
}

// SwitchRequest is what PUT /api/me/agency reads.
type SwitchRequest struct {
	Agency string `json:"agency" max:"id"`
}

func (in *SwitchRequest) Valid() error {
	if !agency.ValidCode(in.Agency) {
		return errcode.Field("agency", "請選擇要切換的機關（10 碼機關代碼）。")
	}
	return nil
}

func (s *Server) handleSwitch() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[SwitchRequest](r)
		if err != nil {
			return err
		}
		if err := s.Service.SwitchAgency(r.Context(), auth.CallerFrom(r.Context()), in.Agency); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) handleSignOut() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Service.SignOut(r.Context(), auth.CallerFrom(r.Context()).Principal); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

// LoginRequest is what POST /api/auth/stats/login reads.
type LoginRequest struct {
	Username string `json:"username" max:"id"`
	Password string `json:"password"`
}

func (in *LoginRequest) Valid() error {
	if in.Username == "" || in.Password == "" {
		return errcode.Field("username", "請輸入帳號與密碼。")
	}
	return nil
}

func (s *Server) handleStatsLogin() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if s.SignIns != nil { // every attempt counts, a malformed one too
			if wait, err := s.SignIns.Take(r.Context(), ratelimit.Source(r)); err != nil {
				return err
			} else if wait > 0 {
				ratelimit.TooMany(w, wait, "同一來源每分鐘的登入次數有上限")
				return nil
			}
		}
		in, err := httpapi.Decode[LoginRequest](r)
		if err != nil {
			return err
		}
		tok, acct, err := s.Service.StatsLogin(r.Context(), in.Username, in.Password)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"token": tok, "mustChangePassword": acct.MustChange})
		return nil
	}
}

// PasswordRequest is what PUT /api/auth/stats/password reads.
type PasswordRequest struct {
	Current string `json:"current"`
	New     string `json:"new"`
}

func (s *Server) handlePassword() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[PasswordRequest](r)
		if err != nil {
			return err
		}
		if err := s.Service.ChangePassword(r.Context(), auth.CallerFrom(r.Context()), in.Current, in.New); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) handleAuthConfig() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		httpapi.Encode(w, http.StatusOK, map[string]any{"sso": s.SSO, "links": s.Links})
		return nil
	}
}

func (s *Server) handleAgencies() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		list, err := s.Service.Agencies.Subtree(r.Context(), c.Active)
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(list))
		for _, a := range list {
			out = append(out, map[string]any{"code": a.Code, "name": a.Name, "level": a.Level, "kind": a.Kind, "parent": a.Parent})
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": out})
		return nil
	}
}

func (s *Server) handleRosterTemplate() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''agency-roster-template.csv`)
		_, err := w.Write([]byte("\ufeff" + strings.Join(agency.RosterHeader, ",") + "\r\n" +
			"A09000000E,行政院人事行政總處,,1,機關\r\nA09010000E,公務人力發展學院,A09000000E,2,機關\r\n"))
		return err
	}
}

// memberPage is how many users a page of L8 lists.
const memberPage = 50

func (s *Server) handleListMembers() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Service.ListMembers(r.Context(), auth.CallerFrom(r.Context()), r.URL.Query().Get("agency"))
		if err != nil {
			return err
		}
		// Part of the name or account, any case or width; paged (L8).
		if q := ngram.Normalize(r.URL.Query().Get("q")); q != "" {
			found := list[:0]
			for _, m := range list {
				if strings.Contains(ngram.Normalize(m.ID+m.Name), q) {
					found = append(found, m)
				}
			}
			list = found
		}
		page, next, err := httpapi.Slice(r, list, memberPage)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": page, "next": next, "total": len(list)})
		return nil
	}
}

func (s *Server) handleGetMember() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, a, err := s.Service.GetMember(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, Member{User: u, AgencyName: a.Name})
		return nil
	}
}

func (s *Server) handleSaveMember(create bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[MemberInput](r)
		if err != nil {
			return err
		}
		if !create && in.ID != r.PathValue("id") {
			return errcode.Field("id", "網址與資料中的使用者帳號不一致。")
		}
		u, err := s.Service.SaveMember(r.Context(), auth.CallerFrom(r.Context()), in, create)
		if err != nil {
			return err
		}
		status := http.StatusOK
		if create {
			status = http.StatusCreated
		}
		httpapi.Encode(w, status, u)
		return nil
	}
}

func (s *Server) handleDisable(disabled bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := s.Service.SetDisabled(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"), disabled)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, u)
		return nil
	}
}

func (s *Server) handleMemberAudit() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Service.MemberAudit(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": list})
		return nil
	}
}

func (s *Server) handleListStats() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Service.ListStats(r.Context(), auth.CallerFrom(r.Context()))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": list})
		return nil
	}
}

func (s *Server) handleResetStats() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		temp, err := s.Service.ResetStatsPassword(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("username"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]string{"temporaryPassword": temp})
		return nil
	}
}
