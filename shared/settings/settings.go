// Package settings reads a function's configuration from its environment once,
// at cold start, and reports every missing variable in one clear error instead
// of failing later on the first request.
package settings

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/guregu/dynamo/v2"
)

// Env reads variables through getenv and remembers which required ones were empty.
type Env struct {
	getenv  func(string) string
	missing map[string]bool
}

// New wraps getenv (os.Getenv in a Lambda, a map in tests).
func New(getenv func(string) string) *Env {
	return &Env{getenv: getenv, missing: map[string]bool{}}
}

// Need returns the variable and records it as missing when empty.
func (e *Env) Need(name string) string {
	v := strings.TrimSpace(e.getenv(name))
	if v == "" {
		e.missing[name] = true
	}
	return v
}

// Get returns the variable, or def when it is empty.
func (e *Env) Get(name, def string) string {
	if v := strings.TrimSpace(e.getenv(name)); v != "" {
		return v
	}
	return def
}

// Err names every required variable that was empty.
func (e *Env) Err() error {
	if len(e.missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(e.missing))
	for n := range e.missing {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Errorf("missing configuration: %s (set them in template.yaml Globals, env.json or the environment)", strings.Join(names, ", "))
}

// Names of the variables shared by the functions. template.yaml declares each.
const (
	TableDirectory   = "TABLE_DIRECTORY"
	TableCatalog     = "TABLE_CATALOG"
	TableRecords     = "TABLE_RECORDS"
	BucketUploads    = "BUCKET_UPLOADS"
	BucketExports    = "BUCKET_EXPORTS"
	DynamoDBEndpoint = "DYNAMODB_ENDPOINT" // local only: DynamoDB Local
	S3Endpoint       = "S3_ENDPOINT"       // local only: the embedded S3
	LambdaEndpoint   = "LAMBDA_ENDPOINT"   // local only: the local stack's Lambda Invoke API
	ExportWorker     = "EXPORT_WORKER_FUNCTION"
	LinkTTL          = "DOWNLOAD_LINK_TTL" // seconds a presigned link lives (at most 900)
	OriginVerify     = "ORIGIN_VERIFY"     // the secret header CloudFront adds to API requests (httpapi.RequireOrigin); empty locally
	SSOIssuer        = "SSO_ISSUER"
	SSOAudience      = "SSO_AUDIENCE"
	SigningKeyParam  = "SIGNING_KEY_PARAM" // SSM SecureString holding the stats-token key
	SigningKey       = "SIGNING_KEY"       // local only: the key itself
	FrontStageURL    = "FRONT_STAGE_URL"
	PasswordURL      = "ECPA_PASSWORD_URL"
	ELearnURL        = "ELEARN_URL"
	ImportApply      = "IMPORT_APPLY_FUNCTION"       // the function that applies upload jobs
	ImportWorker     = "IMPORT_WORKER_FUNCTION"      // the function that searches uploaded files and writes result files
	ImportSlice      = "IMPORT_SLICE_SECONDS"        // at most this long per apply invocation (default: until the deadline)
	ImportNowRows    = "IMPORT_APPLY_NOW_ROWS"       // apply files of at most this many rows at once (default 0: at night)
	PlatformRate     = "PLATFORM_RATE_LIMIT"         // requests a minute per platform client (default 60; 0: no throttle, and no per-source limit of token requests and statistics sign-ins either)
	FunctionName     = "AWS_LAMBDA_FUNCTION_NAME"    // set by Lambda
	FunctionVersion  = "AWS_LAMBDA_FUNCTION_VERSION" // set by Lambda: the version running ($LATEST or a number)
	SelfAlias        = "SELF_ALIAS"                  // the alias a function's own follow-ups invoke (its Ref would be a cycle)
	ClockOffset      = "LOCAL_CLOCK_OFFSET"          // local only: run the business clock this far from the machine's (tests at chosen dates)
)

// AWS builds the SDK configuration. Outside AWS (an endpoint is set) it uses
// static local credentials so nothing on the machine is consulted.
func AWS(ctx context.Context, env *Env) (aws.Config, error) {
	region := env.Get("AWS_REGION", "ap-northeast-1")
	opts := []func(*awsconfig.LoadOptions) error{awsconfig.WithRegion(region),
		// A transaction cancelled by another one on the same item (a class's
		// seat count at an enrollment opening) is retried like a throttle, with
		// jittered backoff; one still conflicting after that is a 409.
		awsconfig.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(dynamo.RetryTxConflicts, func(o *retry.StandardOptions) { o.MaxAttempts = 5 })
		})}
	if env.Get(DynamoDBEndpoint, "") != "" || env.Get(S3Endpoint, "") != "" || env.Get(LambdaEndpoint, "") != "" {
		// Local emulators accept any key; never consult the machine's profiles or IMDS.
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(
			env.Get("AWS_ACCESS_KEY_ID", "local"), env.Get("AWS_SECRET_ACCESS_KEY", "local"), "")))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, errors.Join(errors.New("load AWS configuration"), err)
	}
	return cfg, nil
}

// Clock is the business clock every service reads "now" from: the machine's,
// or, in the local stack only (an emulator endpoint is set), the machine's
// shifted by LOCAL_CLOCK_OFFSET (a Go duration such as "-2h30m"), so tests can
// run the whole system at 23:30 on Dec 31 in Taipei. A deployed function never
// shifts its clock: the variable is refused there. Identity (token expiry, SSO
// and S3 signatures) stays on the machine's clock, as the libraries that
// verify them do.
func Clock(env *Env) (func() time.Time, error) {
	raw := env.Get(ClockOffset, "")
	if raw == "" {
		return time.Now, nil
	}
	if env.Get(DynamoDBEndpoint, "") == "" {
		return nil, fmt.Errorf("%s is for the local stack only (no %s is set)", ClockOffset, DynamoDBEndpoint)
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: want a duration such as 720h or -90m", ClockOffset, raw)
	}
	return func() time.Time { return time.Now().Add(d) }, nil
}
