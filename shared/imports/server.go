package imports

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// TemplateCSV is a kind's template: UTF-8 with a BOM (Excel opens it as
// such), the Chinese header row with * on required fields. The format page
// (GET /api/imports/kinds) is generated from the same columns.
func TemplateCSV(k Kind) []byte {
	var b bytes.Buffer
	w, _ := csvtext.NewWriter(&b) // a bytes.Buffer does not fail
	var header []string
	for _, c := range k.Template().Columns {
		h := c.Header
		if c.Required {
			h += "*"
		}
		header = append(header, h)
	}
	_ = w.Write(header)
	_ = w.Close()
	return b.Bytes()
}

// Server is the uploads API (the imports function).
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// NewServer returns the uploads API handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// Routes is every route of the uploads API.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/imports/kinds", g.Officer(s.handleKinds()))
	r.Handle("GET /api/imports/kinds/{kind}/template", g.Officer(s.handleTemplate()))
	r.Handle("POST /api/imports", g.Officer(s.handleStart()))
	r.Handle("GET /api/imports/jobs", g.Require("L1", s.handleList("")))
	r.Handle("GET /api/imports/nomination-jobs", g.Require("P4", s.handleList(Nominations)))
	r.Handle("GET /api/imports/jobs/{id}", g.Officer(s.handleJob()))
	r.Handle("GET /api/imports/jobs/{id}/rows", g.Officer(s.handleRows()))
	r.Handle("GET /api/imports/jobs/{id}/original", g.Officer(s.handleOriginal()))
	// The heavy work of L1 runs in the import worker, followed by the screen:
	// a text search of the files, and a job's result file.
	r.Handle("POST /api/imports/searches", g.RequireAnyOfficer([]string{"L1", "P4"}, s.handleSearch()))
	r.Handle("GET /api/imports/searches/{id}", g.RequireAnyOfficer([]string{"L1", "P4"}, s.handleSearchGet()))
	r.Handle("POST /api/imports/jobs/{id}/result", g.Officer(s.handleResult()))
	r.Handle("GET /api/imports/results/{id}", g.Officer(s.handleResultGet()))
}

func (s *Server) handleKinds() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": Kinds, "maxSize": MaxSize, "chunkRows": ChunkRows})
		return nil
	}
}

func (s *Server) handleTemplate() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		k, ok := KindByID(r.PathValue("kind"))
		if !ok {
			return errcode.New(errcode.NotFound, "沒有這種上傳作業。")
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(k.Name+".csv"))
		_, _ = w.Write(TemplateCSV(k))
		return nil
	}
}

func (s *Server) handleStart() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		req, err := httpapi.Decode[UploadRequest](r)
		if err != nil {
			return err
		}
		up, err := s.Service.StartUpload(r.Context(), auth.CallerFrom(r.Context()), req)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusCreated, up)
		return nil
	}
}

func dayParam(v, name, label string) (time.Time, bool, error) {
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err := roc.Parse(v)
	if err != nil {
		return time.Time{}, false, errcode.Field(name, label+"："+err.Error())
	}
	return roc.Midnight(t), true, nil
}

// query reads the progress query's conditions: the last 30 Taipei days
// unless from/to say otherwise, of one kind or all.
func (s *Server) query(from, to, kind string) (Query, error) {
	now := s.Service.Now()
	q := Query{Kind: kind, From: roc.Midnight(roc.Day(now).AddDate(0, 0, -30)), To: now.Add(time.Minute)}
	if q.Kind != "" {
		if _, ok := KindByID(q.Kind); !ok {
			return Query{}, errcode.Field("kind", "沒有這種上傳作業。")
		}
	}
	if t, ok, err := dayParam(from, "from", "上傳日期（起）"); err != nil {
		return Query{}, err
	} else if ok {
		q.From = t
	}
	if t, ok, err := dayParam(to, "to", "上傳日期（迄）"); err != nil {
		return Query{}, err
	} else if ok {
		q.To = t.AddDate(0, 0, 1)
	}
	if !q.To.After(q.From) {
		return Query{}, errcode.Field("to", "上傳日期（迄）不可早於（起）。")
	}
	return q, nil
}

// handleList is the progress query: L1 for every kind, P4 for nominations.
// A search of the files' content is a task (POST /api/imports/searches).
func (s *Server) handleList(kind string) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		if v.Get("q") != "" {
			return errcode.Field("q", "檔案內容的搜尋改由背景處理，請重新整理頁面後再查詢。")
		}
		k := kind
		if k == "" {
			k = v.Get("kind")
		}
		q, err := s.query(v.Get("from"), v.Get("to"), k)
		if err != nil {
			return err
		}
		jobs, more, err := s.Service.List(r.Context(), auth.CallerFrom(r.Context()), q)
		if err != nil {
			return err
		}
		if jobs == nil {
			jobs = []Job{}
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": jobs, "truncated": more})
		return nil
	}
}

// SearchRequest is a text search of the progress query: its conditions
// (民國 dates, as the list's) and the text.
type SearchRequest struct {
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	Kind string `json:"kind,omitempty"`
	Q    string `json:"q" max:"100"` // MaxSearchText
}

func (s *Server) handleSearch() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[SearchRequest](r)
		if err != nil {
			return err
		}
		q, err := s.query(in.From, in.To, in.Kind)
		if err != nil {
			return err
		}
		t, err := s.Service.RequestSearch(r.Context(), auth.CallerFrom(r.Context()), q, in.Q)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusAccepted, t)
		return nil
	}
}

func (s *Server) handleSearchGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.Service.Search(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, v)
		return nil
	}
}

func (s *Server) job(r *http.Request) (Job, error) {
	return s.Service.Job(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
}

func (s *Server) handleJob() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		j, err := s.job(r)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, j)
		return nil
	}
}

func (s *Server) handleRows() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		j, err := s.job(r)
		if err != nil {
			return err
		}
		after, err := httpapi.Cursor(r)
		if err != nil {
			return err
		}
		pages := 1
		if v := r.URL.Query().Get("chunks"); v != "" {
			if pages, err = strconv.Atoi(v); err != nil || pages < 1 || pages > 5 {
				return errcode.Field("chunks", "chunks 須介於 1 到 5。")
			}
		}
		rows, next, err := s.Service.Jobs.Results(r.Context(), j.ID, r.URL.Query().Get("failed") == "1", after, pages)
		if err != nil {
			return err
		}
		if rows == nil {
			rows = []RowResult{}
		}
		out := map[string]any{"items": rows}
		if next != "" {
			out["next"] = httpapi.NextCursor(next)
		}
		httpapi.Encode(w, http.StatusOK, out)
		return nil
	}
}

func (s *Server) handleOriginal() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		j, err := s.job(r)
		if err != nil {
			return err
		}
		u, err := s.Service.OriginalURL(r.Context(), j)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]string{"url": u})
		return nil
	}
}

// ResultRequest asks for a job's result file: every row, or the failed ones.
type ResultRequest struct {
	Failed bool `json:"failed"`
}

// handleResult answers 200 with the link when the file of the job's present
// state exists, else 202 with the task that writes it.
func (s *Server) handleResult() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[ResultRequest](r)
		if err != nil {
			return err
		}
		v, err := s.Service.RequestResult(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"), in.Failed)
		if err != nil {
			return err
		}
		status := http.StatusAccepted
		if v.URL != "" {
			status = http.StatusOK
		}
		httpapi.Encode(w, status, v)
		return nil
	}
}

func (s *Server) handleResultGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.Service.Result(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, v)
		return nil
	}
}
