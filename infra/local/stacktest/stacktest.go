// Package stacktest starts the whole local stack for integration tests: the
// real functions, the real authorizer and the real DynamoDB Local (the one
// DYNAMODB_ENDPOINT names, else one started for the test binary), with an
// in-memory S3 and tables of its own, loaded with a small demo data set.
package stacktest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecpa-lifelong/backoffice/infra/ddblocal"
	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

var (
	dbOnce sync.Once
	db     *ddblocal.Instance
	dbURL  string
	dbErr  error
)

// Main runs the tests of a package and stops the DynamoDB Local it started.
// Use it from TestMain: os.Exit(stacktest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	db.Stop()
	return code
}

// Endpoint returns a DynamoDB Local endpoint for this test binary.
// Under -short (make check) it skips the test instead: the fast tier runs
// without DynamoDB Local.
func Endpoint(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("needs DynamoDB Local: runs in make test, not under -short (make check)")
	}
	dbOnce.Do(func() {
		if dbURL = os.Getenv(settings.DynamoDBEndpoint); dbURL != "" {
			return
		}
		db, dbErr = ddblocal.Start(context.Background(), ddblocal.Options{})
		if dbErr == nil {
			dbURL = db.Endpoint
		}
	})
	if dbErr != nil {
		t.Fatalf("DynamoDB Local: %v", dbErr)
	}
	return dbURL
}

// Root is the repository root (where template.yaml is).
func Root() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..")
}

// Env is a running stack and a client for it.
type Env struct {
	*stack.Stack
	Tables store.Tables
	Data   demo.Data
	tokens sync.Map
}

// Options tune Start.
type Options struct {
	People, Classes int // demo sizes; defaults 300 and 40
	NoDemo          bool
	Env             map[string]string
	// At sets the stack's clock to this instant at start (it runs on from
	// there); zero keeps the machine's clock. Tests whose outcome depends on
	// the date run at each of Clocks (EachClock).
	At time.Time
}

// Clocks are the instants at which the date-dependent tests must pass: late
// evening and just after midnight in Taipei (when the UTC and Taipei days
// differ), on Dec 10 (from then "this year" ends within three weeks), Dec 30
// and across the year boundary.
func Clocks() []time.Time {
	at := func(s string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", s, roc.Taipei)
		if err != nil {
			panic(err) // constants above
		}
		return t
	}
	return []time.Time{at("2026-12-10 00:30"), at("2026-12-10 23:30"), at("2026-12-30 00:30"),
		at("2026-12-30 23:30"), at("2026-12-31 23:30"), at("2027-01-01 00:30")}
}

// EachClock runs f as a subtest at each of Clocks, plus the machine's clock
// now; the subtest names the Taipei time. With CLOCK set (a Taipei time like
// "2026-12-31 23:30") it runs only at that instant, as every stack then does:
// CLOCK="2026-12-31 23:30" E2E_CLOCK="2026-12-31 23:30" make test runs the
// whole suite as if it were that time.
func EachClock(t *testing.T, f func(t *testing.T, at time.Time)) {
	clocks := append(Clocks(), time.Time{})
	if at := clockFromEnv(t); !at.IsZero() {
		clocks = []time.Time{at}
	}
	for _, at := range clocks {
		name := "now"
		if !at.IsZero() {
			name = at.In(roc.Taipei).Format("2006-01-02_15:04")
		}
		t.Run(name, func(t *testing.T) { f(t, at) })
	}
}

var prefixSeq struct {
	sync.Mutex
	n int
}

// Start starts a stack for one test and stops it when the test ends.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	endpoint := Endpoint(t)
	prefixSeq.Lock()
	prefixSeq.n++
	prefix := fmt.Sprintf("t%d%d_", time.Now().UnixNano()%1e9, prefixSeq.n)
	prefixSeq.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	if o.At.IsZero() {
		o.At = clockFromEnv(t) // CLOCK runs every stack of the test binary at that Taipei time
	}
	var offset time.Duration
	if !o.At.IsZero() {
		offset = time.Until(o.At)
	}
	st, err := stack.Start(ctx, stack.Config{
		Template: filepath.Join(Root(), "template.yaml"), WebDir: filepath.Join(Root(), "web"),
		Addr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", DynamoEndpoint: endpoint,
		S3Backend: s3mem.New(), TablePrefix: prefix, Env: o.Env, ClockOffset: offset,
	})
	if err != nil {
		cancel()
		t.Fatalf("start stack: %v", err)
	}
	t.Cleanup(func() { st.Close(); cancel() })
	e := &Env{Stack: st}
	env := settings.New(st.Getenv)
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	e.Tables = store.Open(cfg, env, settings.TableDirectory, settings.TableCatalog, settings.TableRecords)
	if !o.NoDemo {
		people, classes := o.People, o.Classes
		if people == 0 {
			people = 300
		}
		if classes == 0 {
			classes = 40
		}
		key, err := base64.StdEncoding.DecodeString(st.Getenv(settings.SigningKey))
		if err != nil {
			t.Fatalf("signing key: %v", err)
		}
		opts := demo.Options{Seed: 7, People: people, Classes: classes, Now: st.Now(), PlatformKey: key}
		e.Data = demo.Generate(opts)
		tables := demo.Tables{Directory: e.Tables.Directory, Catalog: e.Tables.Catalog, Records: e.Tables.Records}
		if _, err := demo.Load(ctx, tables, e.Data, opts, 4); err != nil {
			t.Fatalf("load demo data: %v", err)
		}
		if err := st.PassStreams(ctx); err != nil { // the loader wrote the demo's summaries
			t.Fatalf("pass the demo's records on the stream: %v", err)
		}
	}
	return e
}

// clockFromEnv reads CLOCK, a Taipei time such as "2026-12-31 23:30" (zero if unset).
func clockFromEnv(t testing.TB) time.Time {
	v := os.Getenv("CLOCK")
	if v == "" {
		return time.Time{}
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", v, roc.Taipei)
	if err != nil {
		t.Fatalf("CLOCK=%q: want a Taipei time such as 2026-12-31 23:30", v)
	}
	return at
}

// Day is the ISO date n days from the stack's today (Taipei): Day(-1) is yesterday.
func (e *Env) Day(n int) string { return roc.Day(e.Now()).AddDate(0, 0, n).Format(time.DateOnly) }

// Year is the stack's "this year" (Taipei).
func (e *Env) Year() int { return roc.Year(e.Now()) }

// Token returns an SSO ID token for a user (cached per user).
func (e *Env) Token(t testing.TB, userID string) string {
	t.Helper()
	if tok, ok := e.tokens.Load(userID); ok {
		return tok.(string)
	}
	tok, err := e.Stack.Token(context.Background(), userID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	e.tokens.Store(userID, tok)
	return tok
}

// Response is an API answer.
type Response struct {
	Status int
	Body   []byte
	Header http.Header
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Code is the error code of an error answer ("" if none).
func (r Response) Code() string {
	var e struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Code
}

// Map decodes the body as a JSON object.
func (r Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do calls the API with a bearer token ("" for none) and a JSON body (nil for none).
func (e *Env) Do(t testing.TB, method, path, token string, body any) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: raw, Header: resp.Header}
}

// As calls the API as a user (an SSO token is signed for them).
func (e *Env) As(t testing.TB, userID, method, path string, body any) Response {
	t.Helper()
	return e.Do(t, method, path, e.Token(t, userID), body)
}

// StatsLogin signs a statistics account in and returns its token.
func (e *Env) StatsLogin(t testing.TB, user, password string) string {
	t.Helper()
	r := e.Do(t, "POST", "/api/auth/stats/login", "", map[string]string{"username": user, "password": password})
	if r.Status != 200 {
		t.Fatalf("stats login %s: %d %s", user, r.Status, r.Body)
	}
	var out struct{ Token string }
	r.JSON(t, &out)
	return out.Token
}

// PlatformToken asks the token endpoint for a platform client's token
// (client credentials, HTTP Basic) and returns the whole answer.
func (e *Env) PlatformToken(t testing.TB, id, secret string) Response {
	t.Helper()
	req, err := http.NewRequest("POST", e.URL+"/api/platform/token", strings.NewReader("grant_type=client_credentials"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("platform token: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: raw, Header: resp.Header}
}

// PlatformLogin returns a token of a platform client (failing the test if refused).
func (e *Env) PlatformLogin(t testing.TB, id, secret string) string {
	t.Helper()
	r := e.PlatformToken(t, id, secret)
	if r.Status != 200 {
		t.Fatalf("platform token %s: %d %s", id, r.Status, r.Body)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	r.JSON(t, &out)
	return out.AccessToken
}

// WaitSummaries returns once the stack's stream function has handled every
// change of the Records table written so far: the learning summaries are
// kept from the stream (issue 25), so a test reads a summary after a write
// only after this. It fails the test after a minute.
func (e *Env) WaitSummaries(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.WaitStreams(ctx); err != nil {
		t.Fatalf("wait for the Records stream: %v", err)
	}
}

// PutUpload sends a CSV to a presigned upload link as the browser or a
// platform does, then waits until the S3 notification was handled (the
// upload is staged, or refused, when it returns).
func (e *Env) PutUpload(t testing.TB, url string, body []byte) {
	t.Helper()
	req, err := http.NewRequest("PUT", url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT %s: %d", url, resp.StatusCode)
	}
	e.WaitNotifications()
}
