package export

import "github.com/ecpa-lifelong/backoffice/shared/httpapi"

// Routes is every route of the exports function. Each kind of export has
// its request and list routes, guarded by the function it belongs to (the
// roster by L5; P2's score downloads will add theirs); a job, its password and
// its link are only ever the requester's, in the agency they asked from.
// Every report (shared/report) is an export kind of its own, guarded by its
// report's feature.
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("POST /api/exports/roster", g.Require("L5", s.handleRequest("roster")))
	r.Handle("GET /api/exports/roster", g.Require("L5", s.handleList("roster")))
	r.Handle("POST /api/exports/courses", g.Require("L2", s.handleRequest("courses")))
	r.Handle("GET /api/exports/courses", g.Require("L2", s.handleList("courses")))
	for _, k := range s.Reports {
		r.Handle("POST /api/exports/"+k.Kind, g.Require(k.Feature, s.handleRequest(k.Kind)))
		r.Handle("GET /api/exports/"+k.Kind, g.RequireAny(append([]string{k.Feature}, k.Lists...), s.handleList(k.Kind)))
	}
	r.Handle("GET /api/exports/jobs/{id}", g.Officer(s.handleGet()))
	r.Handle("GET /api/exports/jobs/{id}/download", g.Officer(s.handleDownload()))
}
