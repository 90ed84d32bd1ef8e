package lambdafn

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/hoursmaint"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
	"github.com/ecpa-lifelong/backoffice/shared/personnelfeed"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// The 人事資料 upload kind joins the menu of every function (one append).
func init() { personnelfeed.Register() }

// importTables are what staging and applying uploads read and write.
var importTables = []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords}

// importPipeline assembles the upload pipeline; followUp is the function
// that continues an apply ("" for none).
func importPipeline(ctx context.Context, c Core, followUp string) (*imports.Pipeline, error) {
	codeRepo := &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute}
	deps := imports.Deps{
		People:  staff.Repo{Table: c.Tables.Directory},
		Classes: catalog.Repo{Table: c.Tables.Catalog},
		Records: recordsRepo(c),
		Catalog: &catalog.Service{Repo: catalog.Repo{Table: c.Tables.Catalog, DB: c.Tables.DB}, Codes: codeRepo, Now: c.Now,
			NewID: func() string { return auth.RandomID(8) }},
		Codes:     codeRepo,
		DB:        c.Tables.DB,
		Agencies:  agency.Repo{Table: c.Tables.Directory},
		Stored:    imports.RecordTable{Table: c.Tables.Records},
		Directory: c.Tables.Directory,
		Clients:   hoursfeed.Clients{Table: c.Tables.Directory},
	}
	checkers := deps.Checkers()
	checkers[personnelfeed.KindID] = personnelFeed(c).Spec()
	p := &imports.Pipeline{Jobs: imports.Jobs{DB: c.Tables.DB, Table: c.Tables.Directory}, Files: c.Files,
		Bucket: c.Files.Uploads, Checkers: checkers, Now: c.Now}
	if v := c.Env.Get(settings.ImportSlice, ""); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil || secs <= 0 {
			return nil, fmt.Errorf("%s=%q: want seconds > 0", settings.ImportSlice, v)
		}
		p.Slice = time.Duration(secs * float64(time.Second))
	}
	if v := c.Env.Get(settings.ImportNowRows, ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s=%q: want a row count", settings.ImportNowRows, v)
		}
		p.ApplyNowRows = n
	}
	if followUp != "" {
		client, err := LambdaClient(ctx, c.Env)
		if err != nil {
			return nil, err
		}
		p.FollowUp = invoke.Async{Client: client, Function: followUp}
	}
	return p, nil
}

// personnelFeed is the roster feed (人事資料) of the upload pipeline.
func personnelFeed(c Core) *personnelfeed.Feed {
	return &personnelfeed.Feed{Directory: c.Tables.Directory, Agencies: agency.Repo{Table: c.Tables.Directory},
		Summaries: summaries(c), Files: c.Files, Bucket: c.Files.Uploads, Now: c.Now, NewID: func() string { return auth.RandomID(12) }}
}

// owner names this invocation in a job's claim.
func owner(ctx context.Context) string {
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return auth.RandomID(8)
}

// Imports serves the upload API: templates, format pages, uploads, the
// progress query (L1) and each job's rows and files; and the online
// maintenance of L6b/L6c records (shared/hoursmaint).
func Imports(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := Open(ctx, getenv, importTables, settings.BucketUploads)
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	worker := c.Env.Need(settings.ImportWorker)
	if err := c.Env.Err(); err != nil {
		return nil, err
	}
	rate, err := platformRate(c)
	if err != nil {
		return nil, err
	}
	client, err := LambdaClient(ctx, c.Env)
	if err != nil {
		return nil, err
	}
	g, _ := Guard(c)
	jobs := imports.Jobs{DB: c.Tables.DB, Table: c.Tables.Directory}
	svc := &imports.Service{Jobs: jobs, Store: c.Files,
		Bucket: c.Files.Uploads, Classes: catalog.Repo{Table: c.Tables.Catalog}, Now: c.Now,
		Tasks: imports.Tasks{Table: c.Tables.Directory}, Worker: invoke.Async{Client: client, Function: worker},
		NewID: func() string { return auth.RandomID(10) }}
	// The platforms' JSON batches are staged here, at once, by the same
	// pipeline the bucket notification runs (check only: the records are
	// written by the nightly apply, so no Records table here).
	codeRepo := &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute}
	deps := imports.Deps{People: staff.Repo{Table: c.Tables.Directory}, Classes: catalog.Repo{Table: c.Tables.Catalog},
		Codes: codeRepo, DB: c.Tables.DB, Agencies: agency.Repo{Table: c.Tables.Directory}, Clients: hoursfeed.Clients{Table: c.Tables.Directory}}
	stager := &imports.Pipeline{Jobs: jobs, Files: c.Files, Bucket: c.Files.Uploads,
		Checkers: imports.Checkers{imports.Platform: deps.Checkers()[imports.Platform]}, Now: c.Now}
	feed := &imports.PlatformServer{Jobs: jobs, Store: c.Files, Bucket: c.Files.Uploads, Stage: stager,
		Throttle: hoursfeed.NewThrottle(c.Tables.Directory, c.Now, rate), Now: c.Now, LinkTTL: c.Files.TTL, Guard: g}
	maint := &hoursmaint.Service{DB: c.Tables.DB, Records: recordsRepo(c), People: staff.Repo{Table: c.Tables.Directory},
		Agencies: agency.Repo{Table: c.Tables.Directory}, Now: c.Now}
	routes := ImportsRoutes(&imports.Server{Service: svc, Guard: g}, &hoursmaint.Server{Service: maint, Guard: g},
		&personnelfeed.Server{Feed: personnelFeed(c), Guard: g})
	return API(httpapi.Serve(func(r httpapi.Router) { routes(r); feed.Routes(r) })), nil
}

// ImportsRoutes is the imports function's router (besides the platforms'
// batches): the uploads, the online maintenance of the records L6b/L6c
// upload, and the review of held roster snapshots.
func ImportsRoutes(up *imports.Server, maint *hoursmaint.Server, review *personnelfeed.Server) func(httpapi.Router) {
	return func(r httpapi.Router) {
		up.Routes(r)
		maint.Routes(r)
		review.Routes(r)
	}
}

// ImportApply applies one staged upload job (started by the nightly batch,
// and by itself to continue a job that did not fit one invocation).
func ImportApply(ctx context.Context, getenv func(string) string) (func(context.Context, invoke.JobInput) (imports.Job, error), error) {
	c, err := Open(ctx, getenv, importTables, settings.BucketUploads)
	self := ""
	if err == nil {
		// Its follow-ups go to its alias, where the retries and the
		// on-failure queue are (template.yaml: EventInvokeConfig).
		self = c.Env.Need(settings.FunctionName)
		if alias := c.Env.Get(settings.SelfAlias, ""); alias != "" {
			self += ":" + alias
		}
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	p, err := importPipeline(ctx, c, self)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, in invoke.JobInput) (imports.Job, error) {
		j, err := p.Apply(ctx, in.JobID, owner(ctx))
		if errcode.Is(err, errcode.NotFound) { // nothing to retry
			slog.WarnContext(ctx, "import apply: no such job", "job", in.JobID)
			return imports.Job{}, nil
		}
		if err == nil {
			slog.InfoContext(ctx, "import apply", "job", j.ID, "status", j.Status, "next", j.Next, "chunks", j.Chunks)
		}
		return j, err
	}, nil
}

// ImportWorker runs the tasks the upload API records (invoked
// asynchronously by Imports): the progress query's text search of the
// uploaded files, and a job's result file. It reads the directory table and
// the uploads bucket, and writes only its tasks and the result files.
func ImportWorker(ctx context.Context, getenv func(string) string) (func(context.Context, invoke.JobInput) error, error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory}, settings.BucketUploads)
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	svc := &imports.Service{Jobs: imports.Jobs{DB: c.Tables.DB, Table: c.Tables.Directory}, Store: c.Files,
		Bucket: c.Files.Uploads, Tasks: imports.Tasks{Table: c.Tables.Directory}, Now: c.Now}
	return svc.RunTask, nil
}

// Enrollment serves the front stage's enrollment intake (X5), approval and
// sign-in sheets (L5) and the nominations of an agency (P3).
func Enrollment(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords})
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	g, _ := Guard(c)
	svc := &enrollment.Service{DB: c.Tables.DB, Classes: catalog.Repo{Table: c.Tables.Catalog},
		People: staff.Repo{Table: c.Tables.Directory}, Agencies: agency.Repo{Table: c.Tables.Directory},
		Records: recordsRepo(c), Now: c.Now}
	rev, cor := reviewServers(c, g)
	return API(httpapi.Serve(EnrollmentRoutes(&enrollment.Server{Service: svc, Guard: g}, rev, cor))), nil
}

// platformRate reads the platform clients' throttle (requests a minute).
func platformRate(c Core) (int, error) {
	v := c.Env.Get(settings.PlatformRate, strconv.Itoa(hoursfeed.Limit))
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q: want requests a minute (0: no throttle)", settings.PlatformRate, v)
	}
	return n, nil
}
