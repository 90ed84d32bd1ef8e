package lambdafn

import (
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/correction"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/relevance"
	"github.com/ecpa-lifelong/backoffice/shared/review"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// EnrollmentRoutes are the enrollment function's routes: enrollment (X5, L5,
// P3, L6a), private-institution hours (the front stage's reports, P15) and
// corrections (P16), the writers of records that officers drive.
func EnrollmentRoutes(enr *enrollment.Server, rev *review.Server, cor *correction.Server) func(httpapi.Router) {
	return func(r httpapi.Router) {
		enr.Routes(r)
		rev.Routes(r)
		cor.Routes(r)
	}
}

// reviewServers builds P15's and P16's servers.
func reviewServers(c Core, g auth.Guard) (*review.Server, *correction.Server) {
	codeRepo := &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute}
	people := staff.Repo{Table: c.Tables.Directory}
	rev := &review.Service{DB: c.Tables.DB, Records: recordsRepo(c), People: people, Codes: codeRepo,
		Business: &relevance.Service{Table: c.Tables.Directory, Codes: codeRepo, Now: c.Now}, Now: c.Now}
	cor := &correction.Service{DB: c.Tables.DB, Records: recordsRepo(c), Directory: c.Tables.Directory, People: people,
		Codes: codeRepo, Now: c.Now}
	return &review.Server{Service: rev, Guard: g}, &correction.Server{Service: cor, Guard: g}
}
