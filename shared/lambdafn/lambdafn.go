// Package lambdafn assembles each Lambda function from its environment, once,
// at cold start. functions/<dir>/main.go is one line, Start(name,
// constructor); infra/local calls the same constructors (through
// lambdafn/registry) with the local environment, so both run the same object
// graph. The export functions are assembled in lambdafn/exportfn.
package lambdafn

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Taipei without relying on the runtime image's zoneinfo

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/home"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
	"github.com/ecpa-lifelong/backoffice/shared/nightly"
	"github.com/ecpa-lifelong/backoffice/shared/platform"
	"github.com/ecpa-lifelong/backoffice/shared/ratelimit"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Start is every bootstrap's main: build the handler once, log how long that
// wiring took (only a part of the cold start: process start and package init
// come before it; make bench measures the whole), then serve invocations. A configuration error is
// printed and ends the process, never a panic.
func Start[H any](name string, build func(context.Context, func(string) string) (H, error)) {
	ctx := context.Background()
	start := time.Now()
	handler, err := build(ctx, os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
	slog.Info("wired", "function", name, "wiring_ms", float64(time.Since(start).Microseconds())/1000)
	// In AWS only CloudFront knows the secret; locally it is empty (no edge).
	if api, ok := any(handler).(APIHandler); ok {
		if secret := os.Getenv(settings.OriginVerify); secret != "" {
			handler = any(APIHandler(httpapi.RequireOrigin(secret, api))).(H)
		}
	}
	lambda.StartWithOptions(handler, lambda.WithContext(ctx))
}

// APIHandler is what an HTTP API function gives lambda.Start.
type APIHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// API adapts a handler to API Gateway's payload 2.0 (httpapi.Proxy).
func API(h http.Handler) APIHandler { return httpapi.Proxy(h) }

func setup(getenv func(string) string) *settings.Env {
	level := slog.LevelInfo
	if strings.EqualFold(getenv("LOG_LEVEL"), "debug") {
		level = slog.LevelDebug
	}
	slog.SetDefault(httpapi.NewLogger(os.Stderr, level))
	return settings.New(getenv)
}

// Authorizer is the HTTP API Lambda authorizer.
func Authorizer(ctx context.Context, getenv func(string) string) (func(context.Context, events.APIGatewayV2CustomAuthorizerV2Request) (events.APIGatewayV2CustomAuthorizerSimpleResponse, error), error) {
	env := setup(getenv)
	v, err := verifier(ctx, env)
	if err != nil {
		return nil, err
	}
	return auth.Authorizer{Verifier: v}.Handle, nil
}

func verifier(ctx context.Context, env *settings.Env) (*auth.Verifier, error) {
	issuer, audience := env.Need(settings.SSOIssuer), env.Need(settings.SSOAudience)
	param := needSigningKey(env)
	if err := env.Err(); err != nil {
		return nil, err
	}
	key, err := signingKey(ctx, env, param)
	if err != nil {
		return nil, err
	}
	return auth.NewVerifier(issuer, audience, key, nil), nil
}

// needSigningKey records where the statistics-token key comes from:
// SIGNING_KEY locally, else the SSM SecureString named by SIGNING_KEY_PARAM.
func needSigningKey(env *settings.Env) (param string) {
	if env.Get(settings.SigningKey, "") != "" {
		return ""
	}
	return env.Need(settings.SigningKeyParam)
}

// signingKey reads the key (one SSM call per cold start in AWS).
func signingKey(ctx context.Context, env *settings.Env, name string) ([]byte, error) {
	raw := env.Get(settings.SigningKey, "")
	if raw == "" {
		cfg, err := settings.AWS(ctx, env)
		if err != nil {
			return nil, err
		}
		out, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("read signing key from SSM parameter %s: %w", name, err)
		}
		raw = aws.ToString(out.Parameter.Value)
	}
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) < 32 {
		return nil, errors.New("the statistics-token signing key must be at least 32 bytes, base64-encoded")
	}
	return key, nil
}

// Core is what most functions build at cold start: the environment, the
// tables and the buckets they asked for.
type Core struct {
	Env    *settings.Env
	Tables store.Tables
	Files  *blob.Store
	Now    func() time.Time // the business clock (settings.Clock); calendar days are roc.Day(Now())
}

// Open reads the environment and builds the clients of the tables and buckets
// named; the caller checks Env.Err() once it has read what else it needs.
func Open(ctx context.Context, getenv func(string) string, tables []string, buckets ...string) (Core, error) {
	env := setup(getenv)
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return Core{}, err
	}
	now, err := settings.Clock(env)
	if err != nil {
		return Core{}, err
	}
	// Callers read the rest of what they need, then check env.Err() once, so
	// one error names every missing variable.
	return Core{Env: env, Tables: store.Open(cfg, env, tables...), Files: blob.Open(cfg, env, buckets...), Now: now}, nil
}

// LambdaClient builds the Lambda client that starts other functions (the
// local stack's Invoke API when LAMBDA_ENDPOINT is set).
func LambdaClient(ctx context.Context, env *settings.Env) (*awslambda.Client, error) {
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return nil, err
	}
	endpoint := env.Get(settings.LambdaEndpoint, "")
	return awslambda.NewFromConfig(cfg, func(o *awslambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// Guard builds the Guard every HTTP function puts in front of its routes.
func Guard(c Core) (auth.Guard, *account.Service) {
	svc := &account.Service{
		Repo:     account.Repo{DB: c.Tables.DB, Table: c.Tables.Directory},
		Agencies: agency.Repo{Table: c.Tables.Directory},
	}
	return auth.Guard{Loader: svc, Platforms: hoursfeed.Clients{Table: c.Tables.Directory}}, svc
}

// Platform serves the health check and the OpenAPI document.
func Platform(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords},
		settings.BucketUploads, settings.BucketExports)
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	ddb := c.Tables.DB.Client()
	return API(platform.NewServer(&platform.Server{Probes: []platform.Probe{
		platform.TableProbe(ddb, "Directory", c.Tables.Directory.Name()),
		platform.TableProbe(ddb, "Catalog", c.Tables.Catalog.Name()),
		platform.TableProbe(ddb, "Records", c.Tables.Records.Name()),
		platform.BucketProbe(c.Files.Client, "uploads", c.Files.Uploads),
		platform.BucketProbe(c.Files.Client, "exports", c.Files.Exports),
	}})), nil
}

// Identity serves sign-in, the caller, agencies and members.
func Identity(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory})
	if err != nil {
		return nil, err
	}
	sso := account.SSOConfig{Issuer: c.Env.Need(settings.SSOIssuer), ClientID: c.Env.Need(settings.SSOAudience)}
	param := needSigningKey(c.Env)
	if err := c.Env.Err(); err != nil {
		return nil, err
	}
	key, err := signingKey(ctx, c.Env, param)
	if err != nil {
		return nil, err
	}
	g, svc := Guard(c)
	svc.SigningKey = key
	hasher, err := hoursfeed.NewHasher(key)
	if err != nil {
		return nil, err
	}
	rate, err := platformRate(c)
	if err != nil {
		return nil, err
	}
	ids := &account.Server{Service: svc, Guard: g, Links: links(c.Env), SSO: sso, Now: c.Now,
		SignIns: ratelimit.New(c.Tables.Directory, "SIGNINSRC#", min(rate, 1)*account.SignInsPerSource, time.Minute, c.Now)}
	feed := &hoursfeed.Server{Registry: hoursfeed.Registry{Clients: hoursfeed.Clients{Table: c.Tables.Directory},
		Agencies: agency.Repo{Table: c.Tables.Directory}, Hasher: hasher, Now: c.Now, NewID: hoursfeed.NewClientID},
		Throttle: hoursfeed.NewThrottle(c.Tables.Directory, c.Now, rate),
		Sources:  hoursfeed.NewSourceThrottle(c.Tables.Directory, c.Now, rate), SigningKey: key, Guard: g}
	return API(httpapi.Serve(func(r httpapi.Router) { ids.Routes(r); feed.Routes(r) })), nil
}

func links(env *settings.Env) account.Links {
	return account.Links{
		FrontStage: env.Get(settings.FrontStageURL, "https://elearn.hrd.gov.tw"),
		Password:   env.Get(settings.PasswordURL, "https://ecpa.dgpa.gov.tw"),
		ELearn:     env.Get(settings.ELearnURL, "https://elearn.hrd.gov.tw"),
	}
}

// Home serves the home page, announcements and the manual.
func Home(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableRecords}, settings.BucketUploads)
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	g, _ := Guard(c)
	return API(home.NewServer(&home.Server{
		Repo: home.Repo{Table: c.Tables.Directory}, Todo: home.Counter{Records: c.Tables.Records},
		Files: c.Files, Bucket: c.Files.Uploads, FrontStage: links(c.Env).FrontStage, Guard: g, Now: c.Now,
	})), nil
}

// Import handles ObjectCreated notifications of the uploads bucket: agency
// rosters (X3) and upload jobs (X2), each checked and staged on arrival.
func Import(ctx context.Context, getenv func(string) string) (func(context.Context, events.S3Event) error, error) {
	c, err := Open(ctx, getenv, importTables, settings.BucketUploads)
	apply := ""
	if err == nil {
		apply = c.Env.Get(settings.ImportApply, "")
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	pipeline, err := importPipeline(ctx, c, apply)
	if err != nil {
		return nil, err
	}
	router := imports.Router{Rosters: rosterSync(c), Jobs: pipeline}
	return func(ctx context.Context, ev events.S3Event) error {
		objs := make([]imports.Object, len(ev.Records))
		for i, rec := range ev.Records {
			objs[i] = imports.Object{Key: rec.S3.Object.Key, ETag: rec.S3.Object.ETag, Size: rec.S3.Object.Size}
		}
		return router.Handle(ctx, objs, owner(ctx))
	}, nil
}

func rosterSync(c Core) *agency.Sync {
	accounts := account.Repo{DB: c.Tables.DB, Table: c.Tables.Directory}
	return &agency.Sync{Repo: agency.Repo{Table: c.Tables.Directory}, Files: c.Files,
		Bucket: c.Files.Uploads, Now: c.Now, Moved: accounts.Rekey}
}

// ScheduleInput is what EventBridge Scheduler sends (template Input), and what
// a tester may send to run a job for another day.
type ScheduleInput struct {
	Schedule string `json:"schedule"`
	Date     string `json:"date,omitempty"` // ISO date: that day alone; default: every day from the checkpoint to yesterday (Taipei)
}

// Nightly is the nightly batch (shared/nightly): it applies staged rosters,
// starts one apply invocation per staged upload job, repairs the learning
// summaries and starts the statistics rollup workers (statistics.Roller.RollupJobs).
// The sweep schedule ({"schedule":"sweep"}, every 15 minutes) runs
// nightly.Sweep instead.
func Nightly(ctx context.Context, getenv func(string) string) (func(context.Context, ScheduleInput) (nightly.Result, error), error) {
	c, err := Open(ctx, getenv, importTables, settings.BucketUploads)
	apply, rollup := "", ""
	if err == nil {
		apply, rollup = c.Env.Need(settings.ImportApply), c.Env.Need(RollupFunctionVar)
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	pipeline, err := importPipeline(ctx, c, "")
	if err != nil {
		return nil, err
	}
	client, err := LambdaClient(ctx, c.Env)
	if err != nil {
		return nil, err
	}
	starter := invoke.Async{Client: client, Function: apply}
	b := nightly.Batch{Rosters: rosterSync(c), Uploads: pipeline, Apply: starter,
		Summaries: summaries(c), Rollups: Roller(c), Rollup: invoke.Async{Client: client, Function: rollup}}
	sweep := nightly.Sweep{Uploads: pipeline, Apply: starter}
	return func(ctx context.Context, in ScheduleInput) (nightly.Result, error) {
		if in.Schedule == "sweep" {
			return sweep.Run(ctx)
		}
		return b.Run(ctx)
	}, nil
}

// RosterTransfer moves approved enrollees of classes that ended into records.
// The schedule's run catches up every day after the transfer's checkpoint up
// to yesterday (Taipei); a run with a date does that day alone and leaves the
// checkpoint where it is.
func RosterTransfer(ctx context.Context, getenv func(string) string) (func(context.Context, ScheduleInput) (records.CatchUpResult, error), error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords})
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	recs := recordsRepo(c)
	t := records.Transfer{Catalog: catalog.Repo{Table: c.Tables.Catalog}, Records: recs,
		People: staff.Repo{Table: c.Tables.Directory}, Now: c.Now}
	return func(ctx context.Context, in ScheduleInput) (records.CatchUpResult, error) {
		if in.Date == "" {
			// Stop a minute before the function's timeout: the next run goes on from the checkpoint.
			return t.CatchUp(ctx, roc.Yesterday(c.Now()), time.Minute)
		}
		if _, err := time.Parse(time.DateOnly, in.Date); err != nil {
			return records.CatchUpResult{}, fmt.Errorf("date %q is not an ISO date (2026-11-26)", in.Date)
		}
		r, err := t.Run(ctx, in.Date)
		if err != nil {
			return records.CatchUpResult{}, err
		}
		through, err := recs.Checkpoint(ctx)
		return records.CatchUpResult{Days: []records.TransferResult{r}, Through: through}, err
	}, nil
}

// Course serves the catalogue: courses, subjects, lecturers, materials,
// code tables and the front stage's class list.
func Course(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog})
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	g, _ := Guard(c)
	svc := &catalog.Service{Repo: catalog.Repo{Table: c.Tables.Catalog, DB: c.Tables.DB},
		Codes: &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute},
		Now:   c.Now, NewID: func() string { return auth.RandomID(8) }}
	return API(catalog.NewServer(&catalog.Server{Service: svc, Guard: g, ELearnURL: c.Env.Get(settings.ELearnURL, "")})), nil
}
