package correction

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// Server is P16's API, served by the enrollment function (which writes records).
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// Routes of P16 學習時數修改(職稱、官職等).
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/corrections", g.Require("P16", s.handleList()))
	r.Handle("PUT /api/corrections", g.Require("P16", s.handleSave()))
	r.Handle("GET /api/corrections/audit", g.Require("P16", s.handleAudit()))
}

func (s *Server) handleList() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		q := Query{CourseCode: strings.TrimSpace(v.Get("courseCode")), Session: strings.TrimLeft(strings.TrimSpace(v.Get("session")), "0"),
			CourseName: strings.TrimSpace(v.Get("courseName")), Name: strings.TrimSpace(v.Get("name"))}
		var err error
		if q.Year, err = catalog.YearParam(r, s.Service.Now()); err != nil {
			return err
		}
		if q.NationalID, err = nid.Query(v, "nationalId"); err != nil {
			return err
		}
		if q.After, err = httpapi.Cursor(r); err != nil {
			return err
		}
		rows, next, err := s.Service.List(r.Context(), auth.CallerFrom(r.Context()), q)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, httpapi.Page[Row]{Items: rows, Next: httpapi.NextCursor(next)})
		return nil
	}
}

func (s *Server) handleSave() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[Input](r)
		if err != nil {
			return err
		}
		n, err := s.Service.Save(r.Context(), auth.CallerFrom(r.Context()), in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"changed": n})
		return nil
	}
}

func (s *Server) handleAudit() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		year, err := strconv.Atoi(v.Get("year"))
		if err != nil {
			return errcode.Field("year", "請指定紀錄的年度。")
		}
		k := records.RecordRef{PersonID: v.Get("personId"), Year: year, ID: v.Get("id")}
		if k.PersonID == "" || k.ID == "" {
			return errcode.Field("id", "請指定學習紀錄。")
		}
		list, err := s.Service.Audit(r.Context(), auth.CallerFrom(r.Context()), k)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, httpapi.Page[account.AuditEntry]{Items: list})
		return nil
	}
}
