package enrollment

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Server is the enrollment function.
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// NewServer returns the enrollment function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// Routes is every route of the enrollment function.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	// The front stage, acting for a learner signed in with the same SSO.
	// The Guard refuses a signed-out session; the learner is checked by the service.
	r.Handle("GET /api/front/enrollments/{code}/{session}", g.Session(s.handleMine()))
	r.Handle("POST /api/front/enrollments/{code}/{session}", g.Session(s.handleEnroll()))
	r.Handle("DELETE /api/front/enrollments/{code}/{session}", g.Session(s.handleWithdraw()))
	// L5 報名准駁 and sign-in sheets.
	r.Handle("GET /api/enrollments/{code}/{session}", g.Require("L5", s.handleList()))
	r.Handle("POST /api/enrollments/{code}/{session}/decisions", g.Require("L5", s.handleDecide()))
	r.Handle("POST /api/enrollments/{code}/{session}/approve-all", g.Require("L5", s.handleApproveAll()))
	r.Handle("POST /api/enrollments/{code}/{session}/reject-all", g.Require("L5", s.handleRejectAll()))
	r.Handle("GET /api/enrollments/{code}/{session}/signin", g.Require("L5", s.handleSignIn()))
	// L6a 成績回登: a class's learners' hours and pass/fail.
	r.Handle("GET /api/class-hours", g.Require("L6a", s.handleGradeClasses()))
	r.Handle("GET /api/class-hours/{code}/{session}", g.Require("L6a", s.handleGrades()))
	r.Handle("PUT /api/class-hours/{code}/{session}", g.Require("L6a", s.handleSetGrades()))
	r.Handle("POST /api/class-hours/{code}/{session}/delete", g.Require("L6a", s.handleDeleteGrades()))
	// P3 薦送報名.
	r.Handle("GET /api/nominations", g.Require("P3", s.handleNominations()))
	r.Handle("GET /api/nominations/classes", g.Require("P3", s.handleNominatable()))
}

func (s *Server) handleMine() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := auth.Learner(r.Context())
		if err != nil {
			return err
		}
		e, err := s.Service.Mine(r.Context(), p, r.PathValue("code"), r.PathValue("session"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, e)
		return nil
	}
}

func (s *Server) handleEnroll() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := auth.Learner(r.Context())
		if err != nil {
			return err
		}
		in, err := httpapi.Decode[EnrollInput](r)
		if err != nil {
			return err
		}
		e, err := s.Service.Enroll(r.Context(), p, r.PathValue("code"), r.PathValue("session"), in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusCreated, e)
		return nil
	}
}

func (s *Server) handleWithdraw() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := auth.Learner(r.Context())
		if err != nil {
			return err
		}
		if err := s.Service.Withdraw(r.Context(), p, r.PathValue("code"), r.PathValue("session")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func sortKeys(r *http.Request) []string {
	var keys []string
	for _, k := range strings.Split(r.URL.Query().Get("sort"), ",") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func (s *Server) handleList() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		keys := sortKeys(r)
		for _, k := range keys {
			if k != "name" && k != "agency" && k != "order" {
				return errcode.Field("sort", "排序方式須為 name、agency 或 order。")
			}
		}
		class, list, err := s.Service.Enrollees(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"), keys)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"class": class, "items": list})
		return nil
	}
}

// GradesInput is what PUT /api/class-hours/{code}/{session} reads.
type GradesInput struct {
	Version int          `json:"version"` // the sheet's, as read (GET answers it)
	Grades  []GradeInput `json:"grades"`
}

// DeleteGradesInput is what POST /api/class-hours/{code}/{session}/delete reads.
type DeleteGradesInput struct {
	PersonIDs []string `json:"personIds" max:"id"`
}

// DecisionsInput is what POST /api/enrollments/{code}/{session}/decisions reads.
type DecisionsInput struct {
	Decisions []Decision `json:"decisions"`
}

func (s *Server) handleDecide() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[DecisionsInput](r)
		if err != nil {
			return err
		}
		out, err := s.Service.Decide(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"), in.Decisions)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": out})
		return nil
	}
}

func (s *Server) handleApproveAll() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		n, err := s.Service.ApproveAll(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"approved": n})
		return nil
	}
}

// RejectAllInput is 全部駁回's body: one reason for every pending enrollee.
type RejectAllInput struct {
	Reason string `json:"reason" max:"200"`
}

func (s *Server) handleRejectAll() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[RejectAllInput](r)
		if err != nil {
			return err
		}
		n, err := s.Service.RejectAll(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"), in.Reason)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"rejected": n})
		return nil
	}
}

func (s *Server) handleSignIn() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		var cols []string
		for _, c := range strings.Split(q.Get("columns"), ",") {
			if c = strings.TrimSpace(c); c != "" {
				cols = append(cols, c)
			}
		}
		blank := 0
		if v := q.Get("blank"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errcode.Field("blank", "空白列數須為整數。")
			}
			blank = n
		}
		sheet, err := s.Service.SignInSheet(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"), cols, sortKeys(r), blank)
		if err != nil {
			return err
		}
		if q.Get("format") != "csv" {
			httpapi.Encode(w, http.StatusOK, sheet)
			return nil
		}
		var b bytes.Buffer
		cw, _ := csvtext.NewWriter(&b) // a bytes.Buffer does not fail; every cell neutralised
		_ = cw.Write(append(append([]string{"序號"}, sheet.Columns...), "簽名"))
		n := 0
		for _, row := range sheet.Rows {
			n++
			_ = cw.Write(append(append([]string{strconv.Itoa(n)}, row...), ""))
		}
		for i := 0; i < sheet.Blank; i++ {
			n++
			_ = cw.Write(append(append([]string{strconv.Itoa(n)}, make([]string, len(sheet.Columns))...), ""))
		}
		_ = cw.Close()
		name := sheet.Class.CourseCode + "-" + sheet.Class.Session + "_簽到表.csv"
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(name))
		_, _ = w.Write(b.Bytes())
		return nil
	}
}

func (s *Server) handleNominations() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Service.Nominations(r.Context(), auth.CallerFrom(r.Context()))
		if err != nil {
			return err
		}
		if list == nil {
			list = []Nomination{}
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": list})
		return nil
	}
}

func (s *Server) handleNominatable() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Service.Nominatable(r.Context(), auth.CallerFrom(r.Context()))
		if err != nil {
			return err
		}
		if list == nil {
			list = []catalog.Class{}
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": list})
		return nil
	}
}

// handleGradeClasses finds the agency's classes of a year to grade, by
// course code, name, session and category.
func (s *Server) handleGradeClasses() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := catalog.ClassFilter{Agency: auth.CallerFrom(r.Context()).Active.Code, Name: q.Get("name"), Code: q.Get("code"),
			Session: q.Get("session"), Category: q.Get("category"), Limit: 50}
		var err error
		if f.After, err = httpapi.Cursor(r); err != nil {
			return err
		}
		if f.Year, err = catalog.YearParam(r, s.Service.Now()); err != nil {
			return err
		}
		page, err := s.Service.Classes.SearchClasses(r.Context(), f)
		if err != nil {
			return err
		}
		page.Next = httpapi.NextCursor(page.Next)
		httpapi.Encode(w, http.StatusOK, page)
		return nil
	}
}

func (s *Server) handleGrades() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		sheet, err := s.Service.Grades(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, sheet)
		return nil
	}
}

func (s *Server) handleSetGrades() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[GradesInput](r)
		if err != nil {
			return err
		}
		n, err := s.Service.SetGrades(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"), in.Version, in.Grades)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"saved": n})
		return nil
	}
}

func (s *Server) handleDeleteGrades() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[DeleteGradesInput](r)
		if err != nil {
			return err
		}
		n, err := s.Service.DeleteGrades(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"), in.PersonIDs)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"deleted": n})
		return nil
	}
}
