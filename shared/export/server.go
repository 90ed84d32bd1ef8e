package export

import (
	"net/http"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Server is the exports API.
type Server struct {
	Service *Service
	Guard   auth.Guard
	// Reports are the report kinds this server takes requests for.
	Reports []Grant
}

// Grant is an export kind and the feature a caller needs to request it;
// Lists are further features whose holders may list its jobs (P2 lists P1's).
type Grant struct {
	Kind, Feature string
	Lists         []string
}

// NewServer returns the exports function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

// RequestInput is what a POST /api/exports/<source> reads.
type RequestInput struct {
	Format Format            `json:"format"`
	Params map[string]string `json:"params"`
	// Password is the officer's own file password (P1's 檔案密碼); empty: one is made.
	Password string `json:"password,omitempty" max:"64"`
}

func (s *Server) handleRequest(kind string) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[RequestInput](r)
		if err != nil {
			return err
		}
		if in.Params == nil {
			in.Params = map[string]string{}
		}
		job, err := s.Service.Request(r.Context(), auth.CallerFrom(r.Context()), kind, in.Format, in.Params, in.Password)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusAccepted, job)
		return nil
	}
}

func (s *Server) handleList(kind string) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		out, err := s.Service.List(r.Context(), auth.CallerFrom(r.Context()), kind)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": out, "keepHours": int(Keep.Hours())})
		return nil
	}
}

func (s *Server) handleGet() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		j, err := s.Service.Mine(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, j)
		return nil
	}
}

func (s *Server) handleDownload() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		url, j, err := s.Service.Download(r.Context(), auth.CallerFrom(r.Context()), r.PathValue("id"))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]string{"url": url, "filename": j.Filename})
		return nil
	}
}
