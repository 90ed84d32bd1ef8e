package stack

import (
	"net/http"
	"slices"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/correction"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/gendersurvey"
	"github.com/ecpa-lifelong/backoffice/shared/home"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/hoursmaint"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/reportfn"
	"github.com/ecpa-lifelong/backoffice/shared/personnelfeed"
	"github.com/ecpa-lifelong/backoffice/shared/platform"
	"github.com/ecpa-lifelong/backoffice/shared/relevance"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/review"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
)

// Routers is each HTTP function's router, by template logical ID: what the
// route checks (OpenAPI, template, the authorization matrix) compare with.
var Routers = map[string]func(httpapi.Router){
	"PlatformFunction":   (&platform.Server{}).Routes,
	"IdentityFunction":   both((&account.Server{}).Routes, (&hoursfeed.Server{}).Routes),
	"HomeFunction":       (&home.Server{}).Routes,
	"CourseFunction":     (&catalog.Server{}).Routes,
	"ImportsFunction":    both(lambdafn.ImportsRoutes(&imports.Server{}, &hoursmaint.Server{}, &personnelfeed.Server{}), (&imports.PlatformServer{}).Routes),
	"EnrollmentFunction": lambdafn.EnrollmentRoutes(&enrollment.Server{}, &review.Server{}, &correction.Server{}),
	"ExportsFunction":    (&export.Server{Reports: report.Grants(reportfn.Definitions(lambdafn.Core{}))}).Routes,
	"ReportsFunction": reportfn.Routes(&report.Server{Reports: reportfn.Definitions(lambdafn.Core{})}, &gendersurvey.Server{}, &relevance.Server{},
		&statistics.RecomputeServer{}),
}

// both is a function serving two routers' routes (as lambdafn wires it).
func both(a, b func(httpapi.Router)) func(httpapi.Router) {
	return func(r httpapi.Router) { a(r); b(r) }
}

type recorder struct{ patterns []string }

func (r *recorder) Handle(pattern string, _ http.Handler) { r.patterns = append(r.patterns, pattern) }

// Served lists the routes fn's router serves ("METHOD /path/{param}").
func Served(fn string) []string {
	rec := &recorder{}
	Routers[fn](rec)
	return rec.patterns
}

// AllServed lists every route every HTTP function serves, sorted.
func AllServed() []string {
	var out []string
	for fn := range Routers {
		out = append(out, Served(fn)...)
	}
	slices.Sort(out)
	return out
}
