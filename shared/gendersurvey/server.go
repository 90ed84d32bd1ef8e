package gendersurvey

import (
	"net/http"
	"strconv"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Server is P17's API.
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// Routes of P17, served by the reports function.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/gender-survey", g.Require("P17", s.handleGet()))
	r.Handle("PUT /api/gender-survey", g.Require("P17", s.handleSave()))
	r.Handle("GET /api/gender-survey/agencies", g.Require("P17", s.handleList()))
}

func (s *Server) year(r *http.Request) (int, error) {
	v := r.URL.Query().Get("year")
	if v == "" {
		return roc.Year(s.Service.Now()), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2001 || y > roc.Year(s.Service.Now())+1 {
		return 0, errcode.Field("year", "年度須為西元年，例如 2026。")
	}
	return y, nil
}

func (s *Server) handleGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		y, err := s.year(r)
		if err != nil {
			return err
		}
		code := r.URL.Query().Get("agency")
		if code == "" {
			code = c.Active.Code
		}
		f, err := s.Service.Get(r.Context(), c, code, y)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, f)
		return nil
	}
}

func (s *Server) handleSave() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[Input](r)
		if err != nil {
			return err
		}
		c := auth.CallerFrom(r.Context())
		if in.Agency == "" {
			in.Agency = c.Active.Code
		}
		f, err := s.Service.Save(r.Context(), c, in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, f)
		return nil
	}
}

func (s *Server) handleList() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		y, err := s.year(r)
		if err != nil {
			return err
		}
		list, deadline, err := s.Service.List(r.Context(), auth.CallerFrom(r.Context()), y)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": list, "year": y, "deadline": deadline})
		return nil
	}
}
