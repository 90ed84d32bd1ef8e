package account

import "github.com/ecpa-lifelong/backoffice/shared/httpapi"

// Routes is every route of the identity function. Each passes the Guard,
// which names the function (feature ID) it requires; the statistics sign-in
// and the sign-in configuration are open (Auth: NONE in template.yaml).
func (s *Server) Routes(r httpapi.Router) {
	g := s.Guard
	r.Handle("GET /api/auth/config", s.handleAuthConfig())
	r.Handle("POST /api/auth/stats/login", s.handleStatsLogin())
	r.Handle("PUT /api/auth/stats/password", g.MustChangeToo(s.handlePassword())) // 須變更密碼: this, /api/me and sign-out only
	r.Handle("POST /api/auth/signout", g.Session(s.handleSignOut()))              // learners too

	r.Handle("GET /api/me", g.MustChangeToo(s.handleMe()))
	r.Handle("PUT /api/me/agency", g.Officer(s.handleSwitch()))

	r.Handle("GET /api/agencies", g.SignedIn(s.handleAgencies())) // statistics accounts pick agencies of their subtree for reports
	r.Handle("GET /api/agencies/roster-template", g.Officer(s.handleRosterTemplate()))

	r.Handle("GET /api/members", g.Require("L8", s.handleListMembers()))
	r.Handle("POST /api/members", g.Require("L8", s.handleSaveMember(true)))
	r.Handle("GET /api/members/{id}", g.Require("L8", s.handleGetMember()))
	r.Handle("PUT /api/members/{id}", g.Require("L8", s.handleSaveMember(false)))
	r.Handle("POST /api/members/{id}/disable", g.Require("L8", s.handleDisable(true)))
	r.Handle("POST /api/members/{id}/enable", g.Require("L8", s.handleDisable(false)))
	r.Handle("GET /api/members/{id}/audit", g.Require("L8", s.handleMemberAudit()))
	r.Handle("GET /api/stats-accounts", g.Require("L8", s.handleListStats()))
	r.Handle("POST /api/stats-accounts/{username}/reset-password", g.Require("L8", s.handleResetStats()))
}
