// Package reportfn assembles the reports function and is the registry of
// report definitions: adding a report is one definition in its domain package
// and one line in Definitions. The exports function takes the same
// definitions, so every report exports the rows its screen shows.
package reportfn

import (
	"context"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/catalog/classreport"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/gendersurvey"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/personnel"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/relevance"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// Tables are the tables the report definitions read.
var Tables = []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords}

// Definitions are every report, wired to c's tables. With a zero Core they
// only describe the reports (route tables, the API list); reading rows then
// fails.
func Definitions(c lambdafn.Core) []report.Definition {
	recs := records.Repo{Table: c.Tables.Records}
	people := staff.Repo{Table: c.Tables.Directory}
	sums := summary.Repo{Records: c.Tables.Records, People: people, Now: c.Now}
	p := personnel.Reports{People: people, Records: recs, Scores: recs, Hours: personnel.FromSummaries{Summaries: sums},
		Codes: &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute}, Now: c.Now}
	classes := classreport.Reports{Classes: catalog.Repo{Table: c.Tables.Catalog}, Codes: p.Codes}
	var out []report.Definition
	out = append(out, p.Definitions()...)
	out = append(out, classes.Definitions()...)
	out = append(out, enrollment.NominationReport{Table: c.Tables.Catalog, Class: catalog.Repo{Table: c.Tables.Catalog}, People: people}.Definition())
	out = append(out, statistics.Reports{People: people, Summaries: sums, Codes: p.Codes, Classes: classes.Classes,
		ClassPeople:  statistics.ClassSources{Repo: catalog.Repo{Table: c.Tables.Catalog}, Records: recs, People: people},
		Requirements: &requirement.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute},
		Rollups:      rollups(c)}.Definitions()...)
	return out
}

// Reports serves GET /api/reports and GET /api/reports/{id}.
func Reports(ctx context.Context, getenv func(string) string) (lambdafn.APIHandler, error) {
	c, err := lambdafn.Open(ctx, getenv, Tables)
	rollup := ""
	if err == nil {
		rollup = c.Env.Need(lambdafn.RollupFunctionVar)
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	client, err := lambdafn.LambdaClient(ctx, c.Env)
	if err != nil {
		return nil, err
	}
	g, _ := lambdafn.Guard(c)
	reports := &report.Server{Reports: Definitions(c), Agencies: agency.Repo{Table: c.Tables.Directory}, Guard: g, Now: c.Now}
	relevant := &relevance.Server{Guard: g, Service: &relevance.Service{Table: c.Tables.Directory,
		Codes: &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute}, Now: c.Now}}
	recompute := &statistics.RecomputeServer{Requests: statistics.Rollups{Table: c.Tables.Directory},
		Worker: invoke.Async{Client: client, Function: rollup}, Guard: g, Now: c.Now}
	return lambdafn.API(httpapi.Serve(Routes(reports, &gendersurvey.Server{Service: survey(c), Guard: g}, relevant, recompute))), nil
}

// rollups are the statistics figures the nightly batch stored; a zero Core
// (route tables) has none.
func rollups(c lambdafn.Core) statistics.RollupReader {
	if c.Tables.Directory.Name() == "" {
		return nil
	}
	return statistics.Rollups{Table: c.Tables.Directory}
}

// Routes are the reports function's routes: the reports, P17's forms,
// P14's business-related categories and the statistics' 重新計算.
func Routes(reports *report.Server, survey *gendersurvey.Server, relevant *relevance.Server, recompute *statistics.RecomputeServer) func(httpapi.Router) {
	return func(r httpapi.Router) {
		reports.Routes(r)
		survey.Routes(r)
		relevant.Routes(r)
		recompute.Routes(r)
	}
}

func survey(c lambdafn.Core) *gendersurvey.Service {
	ag := agency.Repo{Table: c.Tables.Directory}
	people := staff.Repo{Table: c.Tables.Directory}
	return &gendersurvey.Service{Table: c.Tables.Directory, Agencies: ag, Subtree: ag, People: people,
		Summaries:    summary.Repo{Records: c.Tables.Records, People: people, Now: c.Now},
		Requirements: &requirement.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute},
		Codes:        &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute}, Now: c.Now}
}
