package hoursmaint

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Server is the online maintenance API, served by the imports function
// beside the uploads of the same records.
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// Routes is every route of the API: per kind a search, a revision and a
// batch delete, each behind the kind's function.
func (s *Server) Routes(r httpapi.Router) {
	for _, k := range []Kind{External, Study} {
		base := "/api/learning-hours/" + k.Path
		r.Handle("GET "+base, s.Guard.Require(k.Feature, s.handleFind(k)))
		r.Handle("PUT "+base+"/{ref}", s.Guard.Require(k.Feature, s.handleRevise(k)))
		r.Handle("POST "+base+"/delete", s.Guard.Require(k.Feature, s.handleDelete(k)))
	}
}

func day(r *http.Request, name, label string) (string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", nil
	}
	t, err := roc.Parse(v)
	if err != nil {
		return "", errcode.Field(name, label+"："+err.Error())
	}
	return t.Format(time.DateOnly), nil
}

func (s *Server) handleFind(k Kind) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		q := Query{Agency: v.Get("agency"), Who: v.Get("who"), Institution: v.Get("institution"),
			CourseName: v.Get("course"), Category: v.Get("category"), Year: roc.Year(s.Service.Now())}
		var f errcode.Fields
		if y := v.Get("year"); y != "" {
			n, err := strconv.Atoi(y)
			if err != nil || n < 1950 || n > 2200 {
				f.Add(errcode.Field("year", "年度不正確。"))
			}
			q.Year = n
		}
		var err error
		if q.From, err = day(r, "from", "起始日期"); err != nil {
			f.Add(err)
		}
		if q.To, err = day(r, "to", "終迄日期"); err != nil {
			f.Add(err)
		}
		if q.From != "" && q.To != "" && q.To < q.From {
			f.Add(errcode.Field("to", "終迄日期不可早於起始日期。"))
		}
		if err := f.Err(); err != nil {
			return err
		}
		after, err := httpapi.Cursor(r)
		if err != nil {
			return err
		}
		items, next, err := s.Service.Find(r.Context(), auth.CallerFrom(r.Context()), k, q, after)
		if err != nil {
			return err
		}
		if items == nil {
			items = []Item{}
		}
		out := map[string]any{"items": items}
		if next != "" {
			out["next"] = httpapi.NextCursor(next)
		}
		httpapi.Encode(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) handleRevise(k Kind) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[EditInput](r)
		if err != nil {
			return err
		}
		it, err := s.Service.Revise(r.Context(), auth.CallerFrom(r.Context()), k, r.PathValue("ref"), in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, it)
		return nil
	}
}

func (s *Server) handleDelete(k Kind) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[DeleteInput](r)
		if err != nil {
			return err
		}
		n, err := s.Service.Delete(r.Context(), auth.CallerFrom(r.Context()), k, in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]int{"deleted": n})
		return nil
	}
}
