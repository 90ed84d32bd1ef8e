// Package functions_test builds every bootstrap as `sam build` does and runs
// it under the Lambda Runtime Interface Emulator (the emulator SAM runs in its
// containers) with the sample events of events/, against DynamoDB Local and
// the embedded S3 of a local stack.
package functions_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/ddblocal"
	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/registry"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// The same flags as the Makefile's build-% target (what sam build runs).
var lambdaFlags = []string{"-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w -buildid="}

const maxBootstrap = 20 << 20

// oversize are the functions allowed past maxBootstrap, each with its own cap
// and the reason. The export worker links excelize, whose formula engine finds
// functions by name through reflection, so the linker keeps all of it: about
// 25 MB with nothing else (measured with a main that only builds the worker).
var oversize = map[string]int64{"ExportWorkerFunction": 30 << 20}

const rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"

// rie finds the emulator, installing the pinned version into the cache once.
func rie(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds every bootstrap and runs it under RIE: make test, not under -short (make check)")
	}
	if p := os.Getenv("RIE_BIN"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p
	}
	cache, err := ddblocal.CacheDir() // the project's one cache folder
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(cache, "bin")
	if _, err := os.Stat(filepath.Join(bin, "aws-lambda-rie")); err != nil {
		cmd := exec.Command("go", "install", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@"+rieVersion)
		cmd.Env = append(os.Environ(), "GOBIN="+bin)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("install the Lambda Runtime Interface Emulator: %v\n%s", err, out)
		}
	}
	return filepath.Join(bin, "aws-lambda-rie")
}

func build(t *testing.T, dir, arch, out string) int64 {
	t.Helper()
	args := append([]string{"build"}, lambdaFlags...)
	args = append(args, "-o", out, "./functions/"+dir)
	cmd := exec.Command("go", args...)
	cmd.Dir = stacktest.Root()
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s for %s: %v\n%s", dir, arch, err, b)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type expectation struct {
	StatusCode   int    `json:"statusCode"`
	IsAuthorized *bool  `json:"isAuthorized"`
	BodyContains string `json:"bodyContains"`
	Null         bool   `json:"null"`
}

// syncBuffer collects the emulator's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var (
	initRe   = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)
	wiringRe = regexp.MustCompile(`"msg":"wired".*"wiring_ms":([0-9.]+)`)
)

func TestBootstrapsUnderTheRuntimeInterfaceEmulator(t *testing.T) {
	emulator := rie(t)
	env := stacktest.Start(t, stacktest.Options{People: 200, Classes: 10})
	root := stacktest.Root()
	var expect map[string]expectation
	raw, err := os.ReadFile(filepath.Join(root, "events", "expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &expect); err != nil {
		t.Fatal(err)
	}
	// The roster the S3 event names must be in the bucket, as after an upload.
	roster, _ := os.ReadFile(filepath.Join(root, "testdata", "agency-roster-big5.csv"))
	e := settings.New(env.Getenv)
	cfg, _ := settings.AWS(context.Background(), e)
	files := blob.Open(cfg, e, settings.BucketUploads)
	if err := files.Put(context.Background(), files.Uploads, "agency-roster/2026-11-roster.csv", "text/csv", bytes.NewReader(roster)); err != nil {
		t.Fatal(err)
	}
	env.WaitNotifications()

	base := []string{"AWS_REGION=ap-northeast-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local", "PATH=" + os.Getenv("PATH"),
		settings.OriginVerify + "=" + originSecret}

	ids := make([]string, 0, len(registry.Functions))
	for id := range registry.Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	tmp := t.TempDir()
	var table []string
	for _, id := range ids {
		dir := registry.Functions[id].Dir
		armSize := build(t, dir, "arm64", filepath.Join(tmp, id+"-arm64", "bootstrap"))
		hostBin := filepath.Join(tmp, id, "bootstrap")
		build(t, dir, runtime.GOARCH, hostBin)
		limit := int64(maxBootstrap)
		if cap, ok := oversize[id]; ok {
			limit = cap
		}
		if armSize > limit {
			t.Errorf("%s: arm64 bootstrap is %.1f MB, over %d MB", id, float64(armSize)/(1<<20), limit>>20)
		}
		events, _ := filepath.Glob(filepath.Join(root, "events", id, "*.json"))
		if len(events) == 0 {
			t.Errorf("%s has no sample event in events/%s/", id, id)
			continue
		}
		addr := freePort(t)
		out := &syncBuffer{}
		cmd := exec.Command(emulator, "--runtime-api-address", freePort(t), "--runtime-interface-emulator-address", addr, hostBin)
		cmd.Env, cmd.Stdout, cmd.Stderr = append(env.Environ(id), base...), out, out
		started := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var firstAnswer time.Duration
		ok := 0
		for _, ev := range events {
			name := id + "/" + filepath.Base(ev)
			want, found := expect[name]
			if !found {
				t.Errorf("%s: no expectation in events/expect.json", name)
				continue
			}
			payload := fill(t, env, ev, files)
			got, err := invoke(addr, payload)
			if firstAnswer == 0 {
				firstAnswer = time.Since(started)
			}
			if err != nil {
				t.Errorf("%s: %v\n%s", name, err, out)
				continue
			}
			if problem := check(want, got); problem != "" {
				t.Errorf("%s: %s\nresponse: %.500s", name, problem, got)
				continue
			}
			ok++
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		initMS, wiringMS := "?", "?"
		if m := initRe.FindStringSubmatch(out.String()); m != nil {
			initMS = m[1]
		}
		if m := wiringRe.FindStringSubmatch(out.String()); m != nil {
			wiringMS = m[1]
		} else {
			t.Errorf("%s logged no wiring line", id)
		}
		table = append(table, fmt.Sprintf("%-24s %8.1f MB %10s ms %10s ms %10d ms %4d/%d", id, float64(armSize)/(1<<20),
			wiringMS, initMS, firstAnswer.Milliseconds(), ok, len(events)))
	}
	// Not the cold start: "wiring" is only main's own work (env, clients,
	// handlers) as the bootstrap logs it, after process start and package
	// init; "RIE init": the emulator's REPORT line; "start→answer": wall time
	// from starting the emulator to the first response (emulator start,
	// process start, init, wiring, one request to DynamoDB Local). The cold
	// start itself, exec to the first GET /runtime/invocation/next, is
	// measured by make bench (infra/bench/coldstart.go).
	t.Logf("\n%-24s %11s %13s %13s %13s %s\n%s", "function", "arm64 size", "wiring", "RIE init", "start→answer", "events",
		strings.Join(table, "\n"))
}

// fill puts what a static file cannot hold into an event: a fresh token, the
// ETag of the uploaded object.
func fill(t *testing.T, env *stacktest.Env, path string, files *blob.Store) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := regexp.MustCompile(`\{\{TOKEN:([a-z.]+)\}\}`).ReplaceAllStringFunc(string(raw), func(m string) string {
		return env.Token(t, m[8:len(m)-2])
	})
	// An API request arrives through CloudFront, which adds the origin
	// secret; a fixture named direct-* is one that went around it.
	var ev map[string]any
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if h, ok := ev["headers"].(map[string]any); ok && ev["requestContext"] != nil && !strings.HasPrefix(filepath.Base(path), "direct-") {
		h[strings.ToLower(httpapi.OriginHeader)] = originSecret
		out, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	return []byte(s)
}

// originSecret is the bootstraps' ORIGIN_VERIFY here, as CloudFront's in AWS.
const originSecret = "rie-origin-secret-0123456789"

func invoke(addr string, payload []byte) ([]byte, error) {
	url := "http://" + addr + "/2015-03-31/functions/function/invocations"
	var lastErr error
	for i := 0; i < 50; i++ { // the emulator may still be starting
		resp, err := http.Post(url, "application/json", bytes.NewReader(payload))
		if err != nil {
			lastErr = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(bufio.NewReader(resp.Body))
		if resp.StatusCode != 200 {
			return body, fmt.Errorf("emulator answered %d: %s", resp.StatusCode, body)
		}
		return body, nil
	}
	return nil, lastErr
}

func check(want expectation, got []byte) string {
	var resp struct {
		StatusCode   int    `json:"statusCode"`
		Body         string `json:"body"`
		IsAuthorized *bool  `json:"isAuthorized"`
		ErrorMessage string `json:"errorMessage"`
	}
	_ = json.Unmarshal(got, &resp)
	switch {
	case resp.ErrorMessage != "":
		return "function error: " + resp.ErrorMessage
	case want.Null && strings.TrimSpace(string(got)) != "null":
		return "want null (a successful S3 handler)"
	case want.StatusCode != 0 && resp.StatusCode != want.StatusCode:
		return fmt.Sprintf("statusCode %d, want %d", resp.StatusCode, want.StatusCode)
	case want.IsAuthorized != nil && (resp.IsAuthorized == nil || *resp.IsAuthorized != *want.IsAuthorized):
		return fmt.Sprintf("isAuthorized %v, want %v", resp.IsAuthorized, *want.IsAuthorized)
	case want.BodyContains != "" && !strings.Contains(resp.Body+string(got), want.BodyContains):
		return fmt.Sprintf("response lacks %q", want.BodyContains)
	}
	return ""
}
