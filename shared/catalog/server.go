package catalog

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Server is the course function: courses and classes (L2, the L5 class
// list), subjects, lecturers (L3, L4), digital materials (L7), the code
// tables, and the front stage's list of visible classes.
type Server struct {
	Service   *Service
	Guard     auth.Guard
	ELearnURL string // E等公務園+, linked from L7
}

// NewServer returns the course function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// Routes is every route of the course function (the OpenAPI test lists them).
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/classes", g.Require("L5", s.handleClassList()))
	r.Handle("GET /api/courses", g.Require("L2", s.handleCourseSearch()))
	r.Handle("POST /api/courses", g.Require("L2", s.handleCourseCreate()))
	r.Handle("GET /api/courses/{code}/{session}", g.Require("L2", s.handleCourseGet()))
	r.Handle("PUT /api/courses/{code}/{session}", g.Require("L2", s.handleCourseUpdate()))
	r.Handle("DELETE /api/courses/{code}/{session}", g.Require("L2", s.handleCourseDelete()))
	r.Handle("POST /api/courses/{code}/{session}/cancel", g.Require("L2", s.handleCourseCancel()))
	r.Handle("GET /api/subjects", g.Officer(s.handleSubjectSearch()))
	r.Handle("POST /api/subjects", g.Require("L2", s.handleSubjectCreate()))
	r.Handle("GET /api/lecturers", g.Require("L3", s.handleLecturerSearch(false)))
	r.Handle("POST /api/lecturers", g.Require("L3", handleSave(false, s.Service.SaveLecturer)))
	r.Handle("GET /api/lecturers/{id}", g.Require("L3", s.handleLecturerGet()))
	r.Handle("PUT /api/lecturers/{id}", g.Require("L3", handleSave(true, s.Service.SaveLecturer)))
	r.Handle("DELETE /api/lecturers/{id}", g.Require("L3", s.handleLecturerDelete()))
	r.Handle("GET /api/lecturer-db", g.Require("L4", s.handleLecturerSearch(true)))
	r.Handle("GET /api/lecturer-db/{id}", g.Require("L4", s.handlePublicLecturer()))
	r.Handle("GET /api/materials", g.Require("L7", s.handleMaterialSearch()))
	r.Handle("POST /api/materials", g.Require("L7", handleSave(false, s.Service.SaveMaterial)))
	r.Handle("GET /api/materials/{id}", g.Require("L7", s.handleMaterialGet()))
	r.Handle("PUT /api/materials/{id}", g.Require("L7", handleSave(true, s.Service.SaveMaterial)))
	r.Handle("GET /api/codes/{table}", g.Officer(s.handleCodes()))
	r.Handle("GET /api/front/classes", s.handleFront()) // public: what the front stage shows anyone
}

func limit(r *http.Request) (int, error) {
	l := r.URL.Query().Get("limit")
	if l == "" {
		return 20, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n < 1 || n > 100 {
		return 0, errcode.Field("limit", "每頁筆數須介於 1 到 100 之間。")
	}
	return n, nil
}

// ParseClassFilter reads the manual's conditions for an agency's classes
// (L2's search, L5's list, and the course list export): year, name, code,
// session, from/to dates, location, category, enrollment method and fee.
// Paging and the agency are the caller's to set.
func ParseClassFilter(q url.Values, now time.Time) (ClassFilter, error) {
	f := ClassFilter{Name: q.Get("name"), Code: q.Get("code"), Session: q.Get("session"),
		Location: q.Get("location"), Category: q.Get("category"), Method: q.Get("method"), Fee: q.Get("fee")}
	var err error
	if f.Year, err = year(q.Get("year"), now); err != nil {
		return f, err
	}
	if f.From, err = date("from", "開始日期", q.Get("from"), false); err != nil {
		return f, err
	}
	if f.To, err = date("to", "結束日期", q.Get("to"), false); err != nil {
		return f, err
	}
	switch f.Method {
	case "", Nominated, Open, Offline:
	default:
		return f, errcode.Field("method", "報名方式不正確。")
	}
	switch f.Fee {
	case "", "free", "paid":
	default:
		return f, errcode.Field("fee", "學習費用條件須為 free 或 paid。")
	}
	return f, nil
}

// YearParam reads the year query parameter (default: this year in Taipei).
func YearParam(r *http.Request, now time.Time) (int, error) {
	return year(r.URL.Query().Get("year"), now)
}

func year(y string, now time.Time) (int, error) {
	if y == "" {
		return roc.Year(now), nil
	}
	n, err := strconv.Atoi(y)
	if err != nil || n < 2000 || n > 2200 {
		return 0, errcode.Field("year", "年度須為西元年，例如 2026。")
	}
	return n, nil
}

// handleClassList is L5's list of the agency's classes: the same conditions,
// server-side filters and paging as the course search (L2).
func (s *Server) handleClassList() httpapi.HandlerFunc { return s.handleCourseSearch() }

func (s *Server) handleCourseSearch() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := ParseClassFilter(r.URL.Query(), s.Service.Now())
		if err != nil {
			return err
		}
		if f.After, err = httpapi.Cursor(r); err != nil {
			return err
		}
		if f.Limit, err = limit(r); err != nil {
			return err
		}
		p, err := s.Service.SearchCourses(r.Context(), auth.CallerFrom(r.Context()), f)
		if err != nil {
			return err
		}
		out := httpapi.Page[ClassView]{Next: httpapi.NextCursor(p.Next), Items: []ClassView{}}
		for _, c := range p.Items {
			out.Items = append(out.Items, s.Service.view(c))
		}
		httpapi.Encode(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) handleCourseCreate() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[CourseInput](r)
		if err != nil {
			return err
		}
		c, err := s.Service.CreateCourse(r.Context(), auth.CallerFrom(r.Context()), in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusCreated, c)
		return nil
	}
}

func (s *Server) handleCourseGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.Service.GetCourse(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, c)
		return nil
	}
}

func (s *Server) handleCourseUpdate() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[CourseInput](r)
		if err != nil {
			return err
		}
		code, session := r.PathValue("code"), r.PathValue("session")
		if (in.CourseCode != "" && !strings.EqualFold(in.CourseCode, code)) || (in.Session != "" && in.Session != session) {
			return errcode.Field("courseCode", "課程代碼與期別建立後不能修改；如需更改請停辦後重新新增。")
		}
		c, err := s.Service.UpdateCourse(r.Context(), auth.CallerFrom(r.Context()), code, session, in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, c)
		return nil
	}
}

func (s *Server) handleCourseDelete() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Service.DeleteCourse(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) handleCourseCancel() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.Service.CancelCourse(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("code"), r.PathValue("session"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, c)
		return nil
	}
}

func (s *Server) handleSubjectSearch() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		after, err := httpapi.Cursor(r)
		if err != nil {
			return err
		}
		n, err := limit(r)
		if err != nil {
			return err
		}
		p, err := s.Service.Repo.SearchSubjects(r.Context(), r.URL.Query().Get("q"), after, n)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, httpapi.Page[Subject]{Items: nonNil(p.Items), Next: httpapi.NextCursor(p.Next)})
		return nil
	}
}

// SubjectInput is what POST /api/subjects reads.
type SubjectInput struct {
	Name     string `json:"name"`
	Category string `json:"category"`
}

func (s *Server) handleSubjectCreate() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[SubjectInput](r)
		if err != nil {
			return err
		}
		if in.Category != "" {
			cats, err := s.Service.Codes.Get(r.Context(), codes.Categories)
			if err != nil {
				return err
			}
			if _, ok := cats.Lookup(in.Category); !ok {
				return errcode.Field("category", "課程類別代碼 "+in.Category+" 不在類別代碼表中。")
			}
		}
		c := auth.CallerFrom(r.Context())
		sub, err := NewSubject(in.Name, in.Category, c.Active.Code, s.Service.Now())
		if err != nil {
			return err
		}
		got, err := s.Service.Repo.EnsureSubject(r.Context(), sub)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, got)
		return nil
	}
}

func (s *Server) handleLecturerSearch(public bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		f := LecturerFilter{Public: public, Name: r.URL.Query().Get("name"), Subject: r.URL.Query().Get("subject")}
		var err error
		if f.After, err = httpapi.Cursor(r); err != nil {
			return err
		}
		if f.Limit, err = limit(r); err != nil {
			return err
		}
		if !public {
			f.Agency = auth.CallerFrom(r.Context()).Active.Code
		}
		p, err := s.Service.Repo.SearchLecturers(r.Context(), f)
		if err != nil {
			return err
		}
		if public { // never another agency's private fields, not even for one's own
			out := httpapi.Page[PublicLecturer]{Next: httpapi.NextCursor(p.Next), Items: []PublicLecturer{}}
			for _, l := range p.Items {
				out.Items = append(out.Items, l.PublicView())
			}
			httpapi.Encode(w, http.StatusOK, out)
			return nil
		}
		httpapi.Encode(w, http.StatusOK, httpapi.Page[Lecturer]{Items: nonNil(p.Items), Next: httpapi.NextCursor(p.Next)})
		return nil
	}
}

func (s *Server) handleLecturerGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := s.Service.Lecturer(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, l)
		return nil
	}
}

func (s *Server) handleLecturerDelete() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Service.DeleteLecturer(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *Server) handlePublicLecturer() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := s.Service.PublicLecturer(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, l)
		return nil
	}
}

func (s *Server) handleMaterialSearch() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := MaterialFilter{Name: q.Get("name"), Category: q.Get("category")}
		if q.Get("own") == "1" {
			f.Agency = auth.CallerFrom(r.Context()).Active.Code
		}
		var err error
		if f.After, err = httpapi.Cursor(r); err != nil {
			return err
		}
		if f.Limit, err = limit(r); err != nil {
			return err
		}
		p, err := s.Service.Repo.SearchMaterials(r.Context(), f)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": nonNil(p.Items), "next": httpapi.NextCursor(p.Next), "elearnUrl": s.ELearnURL})
		return nil
	}
}

func (s *Server) handleMaterialGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		m, err := s.Service.Repo.Material(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, m)
		return nil
	}
}

func (s *Server) handleCodes() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		name := r.PathValue("table")
		switch name {
		case UnitsTable: // not a loaded code table: the rule itself
			httpapi.Encode(w, http.StatusOK, map[string]any{"name": UnitsTable, "entries": Units})
			return nil
		case codes.Categories, codes.Expertise, codes.Cities, codes.Titles, codes.Ranks:
		default:
			return errcode.New(errcode.NotFound, "沒有這個代碼表。")
		}
		t, err := s.Service.Codes.Get(r.Context(), name)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "private, max-age=300")
		httpapi.Encode(w, http.StatusOK, t)
		return nil
	}
}

func (s *Server) handleFront() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		after, err := httpapi.Cursor(r)
		if err != nil {
			return err
		}
		n, err := limit(r)
		if err != nil {
			return err
		}
		p, err := s.Service.Repo.FrontPage(r.Context(), s.Service.Now(), after, n)
		if err != nil {
			return err
		}
		out := httpapi.Page[ClassView]{Next: httpapi.NextCursor(p.Next), Items: []ClassView{}}
		for _, c := range p.Items {
			out.Items = append(out.Items, s.Service.view(c))
		}
		httpapi.Encode(w, http.StatusOK, out)
		return nil
	}
}

// handleSave decodes an input and creates (201) or, with edit, saves the
// {id} of the path (200) through save: lecturers and materials alike.
func handleSave[In, Out any](edit bool, save func(context.Context, auth.Caller, string, In) (Out, error)) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[In](r)
		if err != nil {
			return err
		}
		id, status := "", http.StatusCreated
		if edit {
			id, status = r.PathValue("id"), http.StatusOK
		}
		out, err := save(r.Context(), auth.CallerFrom(r.Context()), id, in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, status, out)
		return nil
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
