// Package exportfn assembles the export functions (X1). They live apart from
// lambdafn so that no other function links the spreadsheet writers.
package exportfn

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/catalog/courseexport"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/reportfn"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roster"
	"github.com/ecpa-lifelong/backoffice/shared/roster/rosterexport"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

func sources(c lambdafn.Core) map[string]export.Source {
	r := rosterexport.Source{Loader: roster.Loader{Classes: catalog.Repo{Table: c.Tables.Catalog},
		People: staff.Repo{Table: c.Tables.Directory}, Agencies: agency.Repo{Table: c.Tables.Directory}}}
	courses := courseexport.Source{Classes: catalog.Repo{Table: c.Tables.Catalog}, Now: c.Now} // "this year" of its conditions: the business clock
	out := report.Sources(reportfn.Definitions(c), agency.Repo{Table: c.Tables.Directory}, c.Now)
	out[r.Kind()], out[courses.Kind()] = r, courses
	return out
}

// Exports serves export requests, lists and downloads (X1).
func Exports(ctx context.Context, getenv func(string) string) (lambdafn.APIHandler, error) {
	c, err := lambdafn.Open(ctx, getenv, reportfn.Tables, settings.BucketExports)
	if err != nil {
		return nil, err
	}
	worker := c.Env.Need(settings.ExportWorker)
	if err := c.Env.Err(); err != nil {
		return nil, err
	}
	client, err := lambdafn.LambdaClient(ctx, c.Env)
	if err != nil {
		return nil, err
	}
	g, _ := lambdafn.Guard(c)
	svc := &export.Service{Jobs: export.Jobs{Table: c.Tables.Directory}, Worker: invoke.Async{Client: client, Function: worker},
		Links: c.Files, Bucket: c.Files.Exports, Sources: sources(c), Now: c.Now}
	return lambdafn.API(export.NewServer(&export.Server{Service: svc, Guard: g,
		Reports: report.Grants(reportfn.Definitions(c))})), nil
}

// ExportWorker writes export files (invoked asynchronously by Exports).
func ExportWorker(ctx context.Context, getenv func(string) string) (func(context.Context, export.WorkerInput) error, error) {
	c, err := lambdafn.Open(ctx, getenv, reportfn.Tables, settings.BucketExports)
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	up := manager.NewUploader(c.Files.Client, func(u *manager.Uploader) {
		u.PartSize = 8 << 20 // memory: about PartSize × (Concurrency + 1)
		u.Concurrency = 2
	})
	w := &export.Worker{Jobs: export.Jobs{Table: c.Tables.Directory}, Sources: sources(c), Upload: up,
		Bucket: c.Files.Exports, Now: c.Now}
	return w.Run, nil
}
