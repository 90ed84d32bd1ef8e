package stack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/guregu/dynamo/v2"
	"github.com/johannesboyne/gofakes3"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/registry"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Config chooses where the stack listens and what it talks to.
type Config struct {
	Template       string           // path to template.yaml
	WebDir         string           // static front end served at /
	Addr           string           // API and front end, e.g. 127.0.0.1:8080 (":0" for a free port)
	S3Addr         string           // the embedded S3
	DynamoEndpoint string           // DynamoDB Local
	S3Backend      gofakes3.Backend // memory for tests, bolt for make run
	TablePrefix    string           // isolates stacks sharing one DynamoDB Local
	SigningKey     string           // base64; empty: a random key per start
	RunSchedules   bool             // run the template's schedules on their expressions (not with ClockOffset)
	ClockOffset    time.Duration    // the business clock's distance from the machine's (tests at chosen dates)
	Env            map[string]string
}

// Stack is the running system.
type Stack struct {
	URL      string
	S3URL    string
	Template *Template
	Tables   map[string]string // logical ID → table name
	Buckets  map[string]string // logical ID → bucket name
	env      map[string]string
	fnEnv    map[string]func(string) string
	fnVars   map[string][]string
	sso      *devSSO
	notif    *notifier
	sched    *scheduler
	lambda   *lambdaAPI
	pollers  []*streamPoller
	servers  []*http.Server
	cancel   context.CancelFunc
	offset   time.Duration
}

// Now is the business clock every function of the stack reads (the machine's
// clock moved by Config.ClockOffset); its Taipei day is the stack's "today".
func (s *Stack) Now() time.Time { return time.Now().Add(s.offset) }

// Getenv is the environment every function of the stack was built with.
func (s *Stack) Getenv(k string) string { return s.env[k] }

// Environ is the whole environment of one function ("K=V"): Globals, then the
// function's own variables.
func (s *Stack) Environ(id string) []string {
	get := s.fnEnv[id]
	var out []string
	for _, k := range append(append([]string{}, s.Template.Env...), s.fnVars[id]...) {
		out = append(out, k+"="+get(k))
	}
	return out
}

// Start brings the whole system up and returns once it serves.
func Start(parent context.Context, cfg Config) (*Stack, error) {
	ctx, cancel := context.WithCancel(parent)
	s := &Stack{cancel: cancel, env: map[string]string{}, Tables: map[string]string{}, Buckets: map[string]string{},
		fnEnv: map[string]func(string) string{}, fnVars: map[string][]string{}}
	if err := s.start(ctx, cfg); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Stack) start(ctx context.Context, cfg Config) error {
	if cfg.DynamoEndpoint == "" {
		return errors.New("no DynamoDB endpoint: DynamoDB Local must be running (make run starts it)")
	}
	if cfg.RunSchedules && cfg.ClockOffset != 0 {
		// Cron runs on the machine's clock; on a moved clock it would fire at the wrong hours.
		return errors.New("schedules cannot run on their expressions with a moved clock: fire them with POST /local/schedules/{name}")
	}
	s.offset = cfg.ClockOffset
	t, err := LoadTemplate(cfg.Template)
	if err != nil {
		return err
	}
	s.Template = t
	apiLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	s3Ln, err := net.Listen("tcp", cfg.S3Addr)
	if err != nil {
		apiLn.Close()
		return fmt.Errorf("listen on %s (S3): %w", cfg.S3Addr, err)
	}
	s.URL, s.S3URL = "http://"+hostPort(cfg.Addr, apiLn), "http://"+hostPort(cfg.S3Addr, s3Ln)

	// Names, then the environment, exactly as the template declares them.
	res := Resolver{Params: t.Params, Resources: map[string]string{},
		Pseudo: map[string]string{"AWS::StackName": "local", "AWS::AccountId": "000000000000",
			"AWS::Region": "ap-northeast-1", "AWS::Partition": "aws"}}
	for id := range t.Tables {
		s.Tables[id] = cfg.TablePrefix + id
		res.Resources[id] = s.Tables[id]
	}
	for id, props := range t.Buckets {
		name := strings.ToLower(id)
		if n := get(props, "BucketName"); n != nil {
			if name, err = res.Resolve(n); err != nil {
				return fmt.Errorf("bucket %s: %w", id, err)
			}
		}
		s.Buckets[id] = name
		res.Resources[id] = name
	}
	for id := range t.Functions {
		res.Resources[id] = id // a function's name locally is its logical ID
		if t.Alias != "" {
			res.Resources[id+".Alias"] = id + ":" + t.Alias // the qualified name, as an alias's ARN is in AWS
			res.Resources[id+".Version"] = id + ":1"        // locally every function has one version
		}
	}
	for _, name := range t.Env {
		v, err := res.Resolve(t.EnvNode(name))
		if err != nil {
			return fmt.Errorf("template Globals variable %s: %w", name, err)
		}
		s.env[name] = v
	}
	key := cfg.SigningKey
	if key == "" {
		b := make([]byte, 48)
		_, _ = rand.Read(b)
		key = base64.StdEncoding.EncodeToString(b)
	}
	for k, v := range map[string]string{
		settings.DynamoDBEndpoint: cfg.DynamoEndpoint, settings.S3Endpoint: s.S3URL, settings.LambdaEndpoint: s.URL,
		settings.SigningKey: key, settings.SSOIssuer: s.URL + "/dev-sso",
		"AWS_REGION": "ap-northeast-1", "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
	} {
		s.env[k] = v
	}
	if cfg.ClockOffset != 0 {
		s.env[settings.ClockOffset] = cfg.ClockOffset.String()
	}
	for k, v := range cfg.Env {
		s.env[k] = v
	}
	getenv := func(k string) string { return s.env[k] }
	fnEnv := s.fnEnv
	for id, f := range t.Functions {
		own := map[string]string{}
		for k, n := range f.Env {
			v, err := res.Resolve(n)
			if err != nil {
				return fmt.Errorf("%s variable %s: %w", id, k, err)
			}
			own[k] = v
			s.fnVars[id] = append(s.fnVars[id], k)
		}
		fnEnv[id] = func(k string) string {
			if k == "AWS_LAMBDA_FUNCTION_NAME" { // set by Lambda itself; locally a function's name is its logical ID
				return id
			}
			if v, ok := own[k]; ok && cfg.Env[k] == "" {
				return v
			}
			return s.env[k]
		}
	}

	// DynamoDB Local must answer before anything is built on it.
	env := settings.New(getenv)
	awsCfg, err := settings.AWS(ctx, env)
	if err != nil {
		return err
	}
	ddb := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(cfg.DynamoEndpoint) })
	pingCtx, cancelPing := context.WithTimeout(ctx, 20*time.Second) // refused at once when down; a cold JVM can take seconds
	_, err = ddb.ListTables(pingCtx, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
	cancelPing()
	if err != nil {
		return fmt.Errorf("DynamoDB at %s is unreachable: %w", cfg.DynamoEndpoint, err)
	}
	for id, props := range t.Tables {
		if err := createTable(ctx, ddb, s.Tables[id], props); err != nil {
			return err
		}
	}
	for _, name := range s.Buckets {
		if err := cfg.S3Backend.CreateBucket(name); err != nil && !gofakes3.HasErrorCode(err, gofakes3.ErrBucketAlreadyExists) {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}

	// Every function, built once as at a cold start.
	handlers := map[string]lambda.Handler{}
	ids := make([]string, 0, len(t.Functions))
	for id := range t.Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		spec, ok := registry.Functions[id]
		if !ok {
			return fmt.Errorf("template function %s has no Go handler in shared/lambdafn", id)
		}
		fn, err := spec.New(ctx, fnEnv[id])
		if err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
		handlers[id] = perInvoke{fn}
	}
	authz, ok := handlers["AuthorizerFunction"]
	if !ok {
		return errors.New("template has no AuthorizerFunction")
	}
	gw := &gateway{routes: t.Routes(), handlers: handlers, authorizer: authz}
	s.lambda = &lambdaAPI{ctx: ctx, handlers: handlers, retries: map[string]int{}}
	for id, f := range t.Functions {
		s.lambda.retries[id] = f.Retries
	}

	// Every DynamoDB event of the template, polled as its event source mapping would.
	streams := dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(cfg.DynamoEndpoint) })
	for _, id := range ids {
		for _, src := range t.Functions[id].Streams {
			name, ok := s.Tables[src.Table]
			if !ok {
				return fmt.Errorf("%s reads the stream of %s, which is not a table of the template", id, src.Table)
			}
			p := newStreamPoller(src, name, ddb, streams, handlers[id])
			s.pollers = append(s.pollers, p)
			go p.run(ctx)
		}
	}

	s.notif = &notifier{s3: newS3(cfg.S3Backend), ctx: ctx}
	var schedules []Schedule
	for _, id := range ids {
		f := t.Functions[id]
		for _, tr := range f.S3 {
			s.notif.triggers = append(s.notif.triggers, boundTrigger{bucket: s.Buckets[tr.Bucket], prefix: tr.Prefix, fn: id, handler: handlers[id]})
		}
		schedules = append(schedules, f.Schedules...)
	}
	if s.sched, err = newScheduler(ctx, schedules, handlers, cfg.RunSchedules, s.Now); err != nil {
		return err
	}

	tables := store.Open(awsCfg, env, settings.TableDirectory)
	// What `make deploy-codes` does after a deploy: the code tables, read from
	// their files at every start, so an edited table needs no rebuild.
	codeDir := filepath.Join(filepath.Dir(cfg.Template), "shared", "codes", "tables")
	if _, err := codes.Load(ctx, tables.Directory, os.DirFS(codeDir), s.Now()); err != nil {
		return fmt.Errorf("load code tables from %s: %w", codeDir, err)
	}
	if err := loadRequirements(ctx, tables.Directory, codeDir, filepath.Join(filepath.Dir(cfg.Template), "shared", "requirement", "tables"), s.Now()); err != nil {
		return err
	}
	s.sso, err = newDevSSO(s.env[settings.SSOIssuer], s.env[settings.SSOAudience],
		account.Repo{DB: tables.DB, Table: tables.Directory}, agency.Repo{Table: tables.Directory}, staff.Repo{Table: tables.Directory})
	if err != nil {
		return err
	}
	// The site's security headers, as CloudFront adds them (template.yaml's
	// response headers policy), with the local S3 and issuer as the origins
	// the page may connect to.
	site, err := t.SiteHeaders(res, map[string]string{"UploadsOrigin": s.S3URL, "SsoOrigin": origin(s.env[settings.SSOIssuer])})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	s.sso.routes(mux)
	mux.Handle("/api/", withHeaders(site, gw))
	mux.HandleFunc("GET /local/schedules", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"items": s.sched.Info()})
	})
	mux.HandleFunc("POST /local/schedules/{name}", s.handleFire)
	mux.HandleFunc("GET /local/clock", func(w http.ResponseWriter, r *http.Request) {
		now := s.Now()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"now": now.UTC(), "today": roc.Today(now), "offsetSeconds": s.offset.Seconds()})
	})
	mux.Handle("POST /2015-03-31/functions/{name}/invocations", s.lambda)
	if cfg.WebDir != "" {
		files := http.FileServer(http.Dir(cfg.WebDir))
		mux.Handle("/", withHeaders(site, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Cache-Control", "no-cache")
			files.ServeHTTP(w, r)
		})))
	}
	s.serve(apiLn, mux)
	s.serve(s3Ln, s.notif)
	return nil
}

// withHeaders adds the site's headers to every response of h.
func withHeaders(site http.Header, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range site {
			w.Header()[k] = v
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Stack) serve(ln net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.Serve(ln) }()
}

func (s *Stack) handleFire(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	out, err := s.Fire(r.Context(), r.PathValue("name"), body)
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	_, _ = w.Write(out)
}

// Fire runs a schedule now; override adds to its Input ({"date":"2026-11-26"}).
func (s *Stack) Fire(ctx context.Context, name string, override []byte) (json.RawMessage, error) {
	return s.sched.Fire(ctx, name, override)
}

// Deliver raises ObjectCreated for an object again (S3 delivers at least once).
func (s *Stack) Deliver(bucket, key string, size int64, etag string) {
	s.notif.Deliver(bucket, key, size, etag)
}

// WaitNotifications blocks until every S3 notification so far was handled.
func (s *Stack) WaitNotifications() { s.notif.Wait() }

// WaitAsync blocks until every asynchronous invocation so far has finished.
func (s *Stack) WaitAsync() { s.lambda.inflight.Wait() }

// WaitStreams returns once every change the tables' streams held when it was
// called has been handled by its function (a batch given up after its
// retries counts as handled, as in Lambda).
func (s *Stack) WaitStreams(ctx context.Context) error {
	for _, p := range s.pollers {
		if err := p.Wait(ctx); err != nil {
			return fmt.Errorf("stream of %s for %s: %w", p.table, p.src.Function, err)
		}
	}
	return nil
}

// PassStreams moves every stream poller past the changes written so far
// without invoking their functions: the demo loader writes the summaries
// of the records it loads itself, so their stream batches would only
// recompute the same summaries (seconds of CPU on every test stack). Only
// for a stack nothing else writes to yet.
func (s *Stack) PassStreams(ctx context.Context) error {
	for _, p := range s.pollers {
		p.mu.Lock()
		p.passing = true
		p.mu.Unlock()
	}
	defer func() {
		for _, p := range s.pollers {
			p.mu.Lock()
			p.passing = false
			p.mu.Unlock()
		}
	}()
	return s.WaitStreams(ctx)
}

// StreamStats sums what the stream pollers did so far; reset starts the
// lags afresh (a benchmark measures one run's).
func (s *Stack) StreamStats(reset bool) StreamStats {
	var out StreamStats
	for _, p := range s.pollers {
		st := p.stats(reset)
		out.Invocations += st.Invocations
		out.Handled += st.Handled
		out.GivenUp += st.GivenUp
		out.Lags = append(out.Lags, st.Lags...)
	}
	return out
}

// Token signs an SSO ID token for userID, as the SSO would.
func (s *Stack) Token(ctx context.Context, userID string, ttl time.Duration) (string, error) {
	return s.sso.Sign(ctx, userID, ttl)
}

// SignClaims signs arbitrary claims with the local SSO's key (for tests).
func (s *Stack) SignClaims(claims map[string]any) (string, error) { return s.sso.SignClaims(claims) }

// Close stops the servers and the schedules.
func (s *Stack) Close() {
	if s.sched != nil {
		s.sched.Stop()
	}
	for _, srv := range s.servers {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
	}
	if s.notif != nil {
		s.notif.Wait()
	}
	if s.lambda != nil {
		s.lambda.inflight.Wait()
	}
	s.cancel()
}

// hostPort names the listener as configured (localhost stays localhost, so
// the browser's origin and the issuer match what the officer typed).
func hostPort(configured string, ln net.Listener) string {
	host, _, _ := net.SplitHostPort(configured)
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, fmt.Sprint(ln.Addr().(*net.TCPAddr).Port))
}

// loadRequirements loads the yearly requirements and category groups (as
// `make deploy-codes` does), their category codes checked against the
// category table of codeDir.
func loadRequirements(ctx context.Context, dir dynamo.Table, codeDir, reqDir string, now time.Time) error {
	f, err := os.Open(filepath.Join(codeDir, codes.Categories+".csv"))
	if err != nil {
		return err
	}
	defer f.Close()
	cats, err := codes.Parse(codes.Categories, f)
	if err != nil {
		return err
	}
	if err := requirement.Load(ctx, dir, os.DirFS(reqDir), cats, now); err != nil {
		return fmt.Errorf("load requirements from %s: %w", reqDir, err)
	}
	return nil
}

// perInvoke builds aws-lambda-go's handler afresh for every invocation. Its
// Invoke answers the bytes of a pooled buffer it has already put back in the
// pool: fine in Lambda, which runs one invocation at a time per instance, but
// the local stack invokes a function concurrently, and another invocation
// could overwrite an answer before the gateway read it (an API fuzz run saw
// one such 500 in 14,000 requests). A handler of its own keeps each answer's
// buffer private.
type perInvoke struct{ fn any }

func (p perInvoke) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return lambda.NewHandler(p.fn).Invoke(ctx, payload)
}
