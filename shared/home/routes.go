package home

import "github.com/ecpa-lifelong/backoffice/shared/httpapi"

// Routes is every route of the home function. The home page is for every
// officer; editing announcements and replacing the manual need SYS.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/home", g.Officer(s.handleHome()))
	r.Handle("GET /api/home/manual", g.SignedIn(s.handleManualDownload()))
	r.Handle("POST /api/home/manual/upload-url", g.Require("SYS", s.handleManualUploadURL()))
	r.Handle("PUT /api/home/manual", g.Require("SYS", s.handleManualPublish()))
	r.Handle("GET /api/announcements", g.Require("SYS", s.handleListAnnouncements()))
	r.Handle("POST /api/announcements", g.Require("SYS", s.handleSaveAnnouncement(true)))
	r.Handle("PUT /api/announcements/{id}", g.Require("SYS", s.handleSaveAnnouncement(false)))
	r.Handle("POST /api/announcements/{id}/expire", g.Require("SYS", s.handleExpire()))
}
