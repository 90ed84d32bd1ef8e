package home

import (
	"context"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
)

// Files is what the home function needs of S3.
type Files interface {
	DownloadURL(ctx context.Context, bucket, key, filename string) (string, error)
	UploadURL(ctx context.Context, bucket, key, contentType string) (string, error)
	Exists(ctx context.Context, bucket, key string) (bool, error)
}

// Server is the home function.
type Server struct {
	Repo       Repo
	Todo       Counter
	Files      Files
	Bucket     string // where manuals are kept (the uploads bucket, under manual/)
	FrontStage string
	Guard      auth.Guard
	Now        func() time.Time
}

// NewServer returns the home function's handler.
func NewServer(s *Server) http.Handler { return httpapi.Serve(s.Routes) }

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Page sizes: the home page's announcements, and the SYS management list.
const (
	homeAnnouncements = 10
	announcementPage  = 20
)

func (s *Server) handleHome() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		c := auth.CallerFrom(r.Context())
		all, err := s.Repo.Announcements(r.Context())
		if err != nil {
			return err
		}
		live := []Announcement{}
		for _, a := range all {
			if a.BackOffice && a.Live(s.now()) {
				live = append(live, a)
			}
		}
		todo, err := s.Todo.Count(r.Context(), c.Active.Code)
		if err != nil {
			return err
		}
		var manual *Manual
		if m, err := s.Repo.CurrentManual(r.Context()); err == nil {
			manual = &m
		} else if !errcode.Is(err, errcode.NotFound) {
			return err
		}
		live, next, err := httpapi.Slice(r, live, homeAnnouncements)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{
			"announcements": live, "announcementsNext": next, "todo": todo, "manual": manual, "frontStage": s.FrontStage,
			"todoLinks": map[string]bool{"P15": c.Can("P15"), "P1": c.Can("P1")},
		})
		return nil
	}
}

func (s *Server) handleManualDownload() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		m, err := s.Repo.CurrentManual(r.Context())
		if err != nil {
			return err
		}
		url, err := s.Files.DownloadURL(r.Context(), s.Bucket, m.Key, m.Filename)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]string{"url": url, "filename": m.Filename, "version": m.Version})
		return nil
	}
}

// ManualUpload is what POST /api/home/manual/upload-url reads.
type ManualUpload struct {
	Filename string `json:"filename"`
	Version  string `json:"version"`
}

func (in *ManualUpload) Valid() error {
	in.Filename, in.Version = strings.TrimSpace(in.Filename), strings.TrimSpace(in.Version)
	ext := strings.ToLower(path.Ext(in.Filename))
	if ext != ".pdf" && ext != ".odt" && ext != ".docx" {
		return errcode.Field("filename", "使用手冊須為 PDF、ODT 或 DOCX 檔。")
	}
	if in.Version == "" || len(in.Version) > 30 {
		return errcode.Field("version", "請填寫版本（30 字以內），例如 113.03。")
	}
	return nil
}

var manualTypes = map[string]string{
	".pdf": "application/pdf", ".odt": "application/vnd.oasis.opendocument.text",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

// handleManualUploadURL gives an administrator a presigned PUT for a new version.
func (s *Server) handleManualUploadURL() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[ManualUpload](r)
		if err != nil {
			return err
		}
		ext := strings.ToLower(path.Ext(in.Filename))
		key := "manual/" + auth.RandomID(8) + ext
		url, err := s.Files.UploadURL(r.Context(), s.Bucket, key, manualTypes[ext])
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]string{"url": url, "key": key, "contentType": manualTypes[ext]})
		return nil
	}
}

// ManualPublish is what PUT /api/home/manual reads.
type ManualPublish struct {
	ManualUpload
	Key string `json:"key" max:"id"`
}

// handleManualPublish makes an uploaded file the manual in force.
func (s *Server) handleManualPublish() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[ManualPublish](r)
		if err != nil {
			return err
		}
		if !strings.HasPrefix(in.Key, "manual/") || strings.Contains(in.Key, "..") {
			return errcode.Field("key", "檔案位置不正確。")
		}
		ok, err := s.Files.Exists(r.Context(), s.Bucket, in.Key)
		if err != nil {
			return err
		}
		if !ok {
			return errcode.Field("key", "找不到已上傳的檔案，請重新上傳。")
		}
		m := Manual{Key: in.Key, Filename: in.Filename, Version: in.Version, Uploaded: s.now().UTC(),
			By: auth.CallerFrom(r.Context()).UserID}
		if err := s.Repo.SetManual(r.Context(), m); err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, m)
		return nil
	}
}

func (s *Server) handleListAnnouncements() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		all, err := s.Repo.Announcements(r.Context())
		if err != nil {
			return err
		}
		// Part of the title, any case or width; paged.
		if q := ngram.Normalize(r.URL.Query().Get("q")); q != "" {
			found := all[:0]
			for _, a := range all {
				if strings.Contains(ngram.Normalize(a.Title), q) {
					found = append(found, a)
				}
			}
			all = found
		}
		page, next, err := httpapi.Slice(r, all, announcementPage)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, map[string]any{"items": page, "next": next})
		return nil
	}
}

func (s *Server) handleSaveAnnouncement(create bool) httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[AnnouncementInput](r)
		if err != nil {
			return err
		}
		c := auth.CallerFrom(r.Context())
		a := Announcement{ID: auth.RandomID(8), Title: in.Title, Body: in.Body, BackOffice: in.BackOffice,
			FrontStage: in.FrontStage, PublishAt: in.PublishAt, ExpiresAt: in.ExpiresAt,
			UpdatedBy: c.UserID, Updated: s.now().UTC()}
		if a.PublishAt.IsZero() {
			a.PublishAt = a.Updated
		}
		var prev *Announcement
		status := http.StatusCreated
		if !create {
			p, err := s.Repo.GetAnnouncement(r.Context(), r.PathValue("id"))
			if err != nil {
				return err
			}
			prev, a.ID, status = &p, p.ID, http.StatusOK
		}
		if err := s.Repo.PutAnnouncement(r.Context(), a, prev); err != nil {
			return err
		}
		httpapi.Encode(w, status, a)
		return nil
	}
}

// handleExpire takes an announcement down now.
func (s *Server) handleExpire() httpapi.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.Repo.GetAnnouncement(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		a := p
		a.ExpiresAt, a.Updated, a.UpdatedBy = s.now().UTC(), s.now().UTC(), auth.CallerFrom(r.Context()).UserID
		if a.PublishAt.After(a.ExpiresAt) {
			a.PublishAt = a.ExpiresAt
		}
		if err := s.Repo.PutAnnouncement(r.Context(), a, &p); err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, a)
		return nil
	}
}
