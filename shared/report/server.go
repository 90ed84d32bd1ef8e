package report

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Page sizes: the screen's default, and the most one request may ask for.
const (
	PageSize    = 50
	MaxPageSize = 200
	// ExportPage is how many rows an export reads at a time.
	ExportPage = 500
)

// Server is the reports API: the definitions the caller may use, and the
// rows of one.
type Server struct {
	Reports  []Definition
	Agencies Agencies
	Guard    auth.Guard
	Now      func() time.Time
}

// NewServer returns the reports function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// Routes: the list, and one route per definition guarded by its feature, so
// the Guard checks each report's grant like any other function's (for a
// statistics account, S1, the reports granted to the account).
func (s *Server) Routes(r httpapi.Router) {
	r.Handle("GET /api/reports", s.Guard.SignedIn(s.handleList()))
	for _, d := range s.Reports {
		r.Handle("GET /api/reports/"+d.ID, s.Guard.Report(d.Feature, s.handleRows(d)))
	}
}

// Info is a definition as the screen sees it.
type Info struct {
	ID      string   `json:"id"`
	Feature string   `json:"feature"`
	Name    string   `json:"name"`
	Group   string   `json:"group"`
	Drill   bool     `json:"drill"`
	Params  []Param  `json:"params"`
	Columns []Column `json:"columns"`
	Exports []string `json:"exports"`
}

func (s *Server) handleList() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		now := s.Now()
		items := []Info{}
		for _, d := range s.Reports {
			if !c.Can(d.Feature) {
				continue
			}
			ps := d.AllParams()
			shown := make([]Param, len(ps))
			for i, p := range ps {
				p.Default = defaultOf(p, c, now)
				shown[i] = p
			}
			items = append(items, Info{ID: d.ID, Feature: d.Feature, Name: d.Name, Group: d.Group, Drill: d.Drill,
				Params: shown, Columns: d.Columns, Exports: []string{string(export.XLSX), string(export.ODS)}})
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": items})
		return nil
	}
}

// Answer is the body of GET /api/reports/{id}.
type Answer struct {
	ID         string             `json:"id"`
	Name       string             `json:"name"`
	Columns    []Column           `json:"columns"`
	Rows       []Row              `json:"rows"`
	Total      Row                `json:"total,omitempty"`
	Next       string             `json:"next,omitempty"`
	ComputedAt *time.Time         `json:"computedAt,omitempty"`
	Conditions []export.Condition `json:"conditions"`
}

func (s *Server) handleRows(d Definition) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		raw := map[string]string{}
		for k, v := range r.URL.Query() {
			if k != httpapi.CursorParam && k != "limit" && len(v) > 0 {
				raw[k] = v[0]
			}
		}
		limit := PageSize
		if l := r.URL.Query().Get("limit"); l != "" {
			n, err := strconv.Atoi(l)
			if err != nil || n < 1 || n > MaxPageSize {
				return errcode.Field("limit", "每頁筆數須為 1 至 "+strconv.Itoa(MaxPageSize)+"。")
			}
			limit = n
		}
		cursor, err := httpapi.Cursor(r)
		if err != nil {
			return err
		}
		q, conds, err := Prepare(r.Context(), s.Agencies, d, c, raw, s.Now())
		if err != nil {
			return err
		}
		q.Cursor, q.Limit = cursor, limit
		p, err := d.Rows(r.Context(), q)
		if err != nil {
			return err
		}
		if p.Rows == nil {
			p.Rows = []Row{}
		}
		for _, row := range p.Rows {
			delete(row, KeyField)
		}
		httpapi.Encode(w, http.StatusOK, Answer{ID: d.ID, Name: d.Name, Columns: d.Columns, Rows: p.Rows, Total: p.Total,
			Next: httpapi.NextCursor(p.Next), ComputedAt: p.ComputedAt, Conditions: conds})
		return nil
	}
}

// Grants lists each definition's export kind with the feature it needs, for
// the exports function's routes.
func Grants(defs []Definition) []export.Grant {
	out := make([]export.Grant, len(defs))
	for i, d := range defs {
		out[i] = export.Grant{Kind: d.ID, Feature: d.Feature, Lists: d.ListedBy}
	}
	return out
}

// Sources turns definitions into export sources: the export is the same rows
// as the screen, every page of them, with the totals row last.
func Sources(defs []Definition, ag Agencies, now func() time.Time) map[string]export.Source {
	out := map[string]export.Source{}
	for _, d := range defs {
		if d.Deliver != nil {
			out[d.ID] = &delivering{source: source{d: d, ag: ag, now: now}, keys: map[string][]any{}}
			continue
		}
		out[d.ID] = source{d: d, ag: ag, now: now}
	}
	return out
}

type source struct {
	d   Definition
	ag  Agencies
	now func() time.Time
	// keep receives each row's KeyField (delivering sources)
	keep func(job string, key any)
}

func (s source) Kind() string { return s.d.ID }

func (s source) Plan(ctx context.Context, c auth.Caller, params map[string]string) (export.Plan, error) {
	q, conds, err := Prepare(ctx, s.ag, s.d, c, params, s.now())
	if err != nil {
		return export.Plan{}, err
	}
	name := s.d.Name
	if q.Agency.Name != "" {
		name += "_" + q.Agency.Name
	}
	if s.d.WholeIDs && c.Kind == auth.KindOfficer {
		q.Params[WholeIDsParam] = "1"
	}
	return export.Plan{Title: s.d.Name, Filename: name, Conditions: conds, Params: q.Params}, nil
}

func (s source) Columns() []export.Column {
	out := make([]export.Column, len(s.d.Columns))
	for i, c := range s.d.Columns {
		k := export.Text
		if c.Type != TextColumn {
			k = export.Number
		}
		out[i] = export.Column{Title: c.Name, Kind: k}
	}
	return out
}

func (s source) Rows(ctx context.Context, params map[string]string, emit func([]string) error) error {
	q, err := resolve(ctx, s.ag, s.d, params, s.now())
	if err != nil {
		return err
	}
	q.Limit, q.Export = ExportPage, true
	q.WholeIDs = s.d.WholeIDs && params[WholeIDsParam] == "1"
	var total Row
	for {
		p, err := s.d.Rows(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range p.Rows {
			if s.keep != nil {
				s.keep(params[export.JobParam], r[KeyField])
			}
			if err := emit(s.cells(r)); err != nil {
				return err
			}
		}
		if p.Total != nil {
			total = p.Total
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	if total != nil {
		cells := s.cells(total)
		if len(cells) > 0 && cells[0] == "" {
			cells[0] = "合計"
		}
		return emit(cells)
	}
	return nil
}

func (s source) cells(r Row) []string {
	out := make([]string, len(s.d.Columns))
	for i, c := range s.d.Columns {
		out[i] = Format(r[c.Key])
	}
	return out
}

// Format writes a cell's value as the export's text.
func Format(v any) string {
	if c, ok := v.(Cell); ok {
		v = c.Value
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		if x {
			return "是"
		}
		return "否"
	}
	return ""
}

// delivering is a source whose rows' keys are kept per job while its file
// is written, and handed to the definition's Deliver once the file is stored.
type delivering struct {
	source
	mu   sync.Mutex
	keys map[string][]any
}

func (d *delivering) Rows(ctx context.Context, params map[string]string, emit func([]string) error) error {
	job := params[export.JobParam]
	d.mu.Lock()
	d.keys[job] = nil // a retry in the same instance starts again
	d.mu.Unlock()
	s := d.source
	s.keep = func(job string, key any) {
		d.mu.Lock()
		d.keys[job] = append(d.keys[job], key)
		d.mu.Unlock()
	}
	return s.Rows(ctx, params, emit)
}

func (d *delivering) Delivered(ctx context.Context, job export.Job) error {
	d.mu.Lock()
	keys, ok := d.keys[job.ID]
	delete(d.keys, job.ID)
	d.mu.Unlock()
	if !ok {
		return fmt.Errorf("export %s: delivered before its rows were read", job.ID)
	}
	return d.d.Deliver(ctx, job.ID, keys)
}

func (d *delivering) Undelivered(job export.Job) {
	d.mu.Lock()
	delete(d.keys, job.ID)
	d.mu.Unlock()
}
