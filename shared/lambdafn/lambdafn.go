// Package lambdafn assembles each Lambda function from its environment, once,
// at cold start. functions/<dir>/main.go only calls the constructor and
// lambda.Start; infra/local calls the same constructors with the local
// environment, so both run the same object graph.
package lambdafn

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Taipei without relying on the runtime image's zoneinfo

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/home"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/platform"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roster"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Spec describes one function of template.yaml.
type Spec struct {
	Dir string // functions/<Dir>
	// New returns the handler given to lambda.Start.
	New func(ctx context.Context, getenv func(string) string) (any, error)
}

// Functions maps every template logical ID to its Go handler. A test fails
// when this map and template.yaml disagree.
var Functions = map[string]Spec{
	"AuthorizerFunction":     {"authorizer", func(ctx context.Context, g func(string) string) (any, error) { return Authorizer(ctx, g) }},
	"PlatformFunction":       {"platform", func(ctx context.Context, g func(string) string) (any, error) { return Platform(ctx, g) }},
	"IdentityFunction":       {"identity", func(ctx context.Context, g func(string) string) (any, error) { return Identity(ctx, g) }},
	"HomeFunction":           {"home", func(ctx context.Context, g func(string) string) (any, error) { return Home(ctx, g) }},
	"ImportFunction":         {"importer", func(ctx context.Context, g func(string) string) (any, error) { return Import(ctx, g) }},
	"NightlyFunction":        {"nightly", func(ctx context.Context, g func(string) string) (any, error) { return Nightly(ctx, g) }},
	"RosterTransferFunction": {"rostertransfer", func(ctx context.Context, g func(string) string) (any, error) { return RosterTransfer(ctx, g) }},
	"CourseFunction":         {"course", func(ctx context.Context, g func(string) string) (any, error) { return Course(ctx, g) }},
	"ExportsFunction":        {"exports", func(ctx context.Context, g func(string) string) (any, error) { return Exports(ctx, g) }},
	"ExportWorkerFunction":   {"exportworker", func(ctx context.Context, g func(string) string) (any, error) { return ExportWorker(ctx, g) }},
}

// APIHandler is what an HTTP API function gives lambda.Start.
type APIHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

func api(h http.Handler) APIHandler { return httpadapter.NewV2(h).ProxyWithContext }

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

type core struct {
	env    *settings.Env
	tables store.Tables
	files  *blob.Store
}

func open(ctx context.Context, getenv func(string) string, tables []string, buckets ...string) (core, error) {
	env := setup(getenv)
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return core{}, err
	}
	// Callers read the rest of what they need, then check env.Err() once, so
	// one error names every missing variable.
	return core{env: env, tables: store.Open(cfg, env, tables...), files: blob.Open(cfg, env, buckets...)}, nil
}

func guard(c core) (auth.Guard, *account.Service) {
	svc := &account.Service{
		Repo:     account.Repo{DB: c.tables.DB, Table: c.tables.Directory},
		Agencies: agency.Repo{Table: c.tables.Directory},
	}
	return auth.Guard{Loader: svc}, svc
}

// Platform serves the health check and the OpenAPI document.
func Platform(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog, settings.TableRecords},
		settings.BucketUploads, settings.BucketExports)
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	ddb := c.tables.DB.Client()
	return api(platform.NewServer(&platform.Server{Probes: []platform.Probe{
		platform.TableProbe(ddb, "Directory", c.tables.Directory.Name()),
		platform.TableProbe(ddb, "Catalog", c.tables.Catalog.Name()),
		platform.TableProbe(ddb, "Records", c.tables.Records.Name()),
		platform.BucketProbe(c.files.Client, "uploads", c.files.Uploads),
		platform.BucketProbe(c.files.Client, "exports", c.files.Exports),
	}})), nil
}

// Identity serves sign-in, the caller, agencies and members.
func Identity(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory})
	if err != nil {
		return nil, err
	}
	sso := account.SSOConfig{Issuer: c.env.Need(settings.SSOIssuer), ClientID: c.env.Need(settings.SSOAudience)}
	param := needSigningKey(c.env)
	if err := c.env.Err(); err != nil {
		return nil, err
	}
	key, err := signingKey(ctx, c.env, param)
	if err != nil {
		return nil, err
	}
	g, svc := guard(c)
	svc.SigningKey = key
	return api(account.NewServer(&account.Server{Service: svc, Guard: g, Links: links(c.env), SSO: sso})), nil
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
	c, err := open(ctx, getenv, []string{settings.TableDirectory, settings.TableRecords}, settings.BucketUploads)
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	g, _ := guard(c)
	return api(home.NewServer(&home.Server{
		Repo: home.Repo{Table: c.tables.Directory}, Todo: home.Counter{Records: c.tables.Records},
		Files: c.files, Bucket: c.files.Uploads, FrontStage: links(c.env).FrontStage, Guard: g,
	})), nil
}

// Import handles ObjectCreated notifications of the uploads bucket.
func Import(ctx context.Context, getenv func(string) string) (func(context.Context, events.S3Event) error, error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory}, settings.BucketUploads)
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	sync := rosterSync(c)
	return func(ctx context.Context, ev events.S3Event) error {
		var errs []error
		for _, rec := range ev.Records {
			key, err := url.QueryUnescape(rec.S3.Object.Key) // S3 event keys are URL-encoded
			if err != nil {
				errs = append(errs, fmt.Errorf("object key %q: %w", rec.S3.Object.Key, err))
				continue
			}
			switch {
			case strings.HasPrefix(key, agency.RosterKeyPrefix):
				job, err := sync.Stage(ctx, key, rec.S3.Object.ETag)
				if err != nil {
					errs = append(errs, fmt.Errorf("stage %s: %w", key, err))
					continue
				}
				slog.InfoContext(ctx, "roster staged", "key", key, "job", job.ID, "status", job.Status, "rows", job.Rows, "bad", len(job.Bad))
			default:
				slog.WarnContext(ctx, "upload with no importer", "key", key)
			}
		}
		return errors.Join(errs...) // a failure makes Lambda retry; staging is idempotent
	}, nil
}

func rosterSync(c core) *agency.Sync {
	return &agency.Sync{Repo: agency.Repo{Table: c.tables.Directory}, DB: c.tables.DB, Files: c.files,
		Bucket: c.files.Uploads, Now: time.Now}
}

// ScheduleInput is what EventBridge Scheduler sends (template Input), and what
// a tester may send to run a job for another day.
type ScheduleInput struct {
	Schedule string `json:"schedule"`
	Date     string `json:"date,omitempty"` // ISO date; default: yesterday in Asia/Taipei
}

// NightlyResult reports one nightly run.
type NightlyResult struct {
	RostersApplied int `json:"rostersApplied"`
}

// Nightly is the nightly batch: it applies staged uploads.
func Nightly(ctx context.Context, getenv func(string) string) (func(context.Context, ScheduleInput) (NightlyResult, error), error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory}, settings.BucketUploads)
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	sync := rosterSync(c)
	return func(ctx context.Context, in ScheduleInput) (NightlyResult, error) {
		n, err := sync.ApplyStaged(ctx)
		return NightlyResult{RostersApplied: n}, err
	}, nil
}

// RosterTransfer moves approved enrollees of classes that ended into records.
func RosterTransfer(ctx context.Context, getenv func(string) string) (func(context.Context, ScheduleInput) (records.TransferResult, error), error) {
	c, err := open(ctx, getenv, []string{settings.TableCatalog, settings.TableRecords})
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(c.env.Get(settings.AppTimezone, "Asia/Taipei"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", settings.AppTimezone, err)
	}
	t := records.Transfer{Catalog: catalog.Repo{Table: c.tables.Catalog}, Records: records.Repo{Table: c.tables.Records}, Now: time.Now}
	return func(ctx context.Context, in ScheduleInput) (records.TransferResult, error) {
		date := in.Date
		if date == "" {
			date = time.Now().In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
		} else if _, err := time.Parse(time.DateOnly, date); err != nil {
			return records.TransferResult{}, fmt.Errorf("date %q is not an ISO date (2026-11-26)", date)
		}
		return t.Run(ctx, date)
	}, nil
}

// Course serves the class list of the roster download (L5).
func Course(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog})
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	g, _ := guard(c)
	return api(catalog.NewServer(&catalog.Server{Repo: catalog.Repo{Table: c.tables.Catalog}, Guard: g, Now: time.Now})), nil
}

func exportSources(c core) map[string]export.Source {
	r := roster.Source{Classes: catalog.Repo{Table: c.tables.Catalog}, People: staff.Repo{Table: c.tables.Directory},
		Agencies: agency.Repo{Table: c.tables.Directory}}
	return map[string]export.Source{r.Kind(): r}
}

// Exports serves export requests, lists and downloads (X1).
func Exports(ctx context.Context, getenv func(string) string) (APIHandler, error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog}, settings.BucketExports)
	if err != nil {
		return nil, err
	}
	worker := c.env.Need(settings.ExportWorker)
	if err := c.env.Err(); err != nil {
		return nil, err
	}
	cfg, err := settings.AWS(ctx, c.env)
	if err != nil {
		return nil, err
	}
	endpoint := c.env.Get(settings.LambdaEndpoint, "")
	client := lambda.NewFromConfig(cfg, func(o *lambda.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	g, _ := guard(c)
	svc := &export.Service{Jobs: export.Jobs{Table: c.tables.Directory}, Worker: export.LambdaInvoker{Client: client, Function: worker},
		Links: c.files, Bucket: c.files.Exports, Sources: exportSources(c), Now: time.Now}
	return api(export.NewServer(&export.Server{Service: svc, Guard: g})), nil
}

// ExportWorker writes export files (invoked asynchronously by Exports).
func ExportWorker(ctx context.Context, getenv func(string) string) (func(context.Context, export.WorkerInput) error, error) {
	c, err := open(ctx, getenv, []string{settings.TableDirectory, settings.TableCatalog}, settings.BucketExports)
	if err == nil {
		err = c.env.Err()
	}
	if err != nil {
		return nil, err
	}
	up := manager.NewUploader(c.files.Client, func(u *manager.Uploader) {
		u.PartSize = 8 << 20 // memory: about PartSize × (Concurrency + 1)
		u.Concurrency = 2
	})
	w := &export.Worker{Jobs: export.Jobs{Table: c.tables.Directory}, Sources: exportSources(c), Upload: up,
		Bucket: c.files.Exports, Now: time.Now}
	return w.Run, nil
}
