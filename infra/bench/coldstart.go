package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/registry"
)

// coldStartTarget is the goal for every function, ExportWorker included.
const coldStartTarget = 50 * time.Millisecond

// benchColdStart measures each bootstrap as Lambda sees its cold start: from
// exec of the binary to its first GET /runtime/invocation/next on a fake
// Runtime API (everything before main, main's wiring, the runtime client
// starting). Each bootstrap is built by the Makefile's build-% rule for this
// machine's architecture; the baseline is a hello-world Go Lambda
// (infra/bench/hello) built by the same rule. Best of runs each.
func benchColdStart(ctx context.Context, out io.Writer, root string, st *stack.Stack, runs int) error {
	tmp, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ids := make([]string, 0, len(registry.Functions))
	for id := range registry.Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	bins := map[string]string{}
	for _, id := range append([]string{"HelloBaseline"}, ids...) {
		args := []string{"--no-print-directory", "-C", root, "build-" + id, "ARCH=" + runtime.GOARCH, "ARTIFACTS_DIR=" + filepath.Join(tmp, id)}
		if id == "HelloBaseline" { // the build-% rule builds ./functions/$(dir_X)
			args = append(args, "dir_HelloBaseline=../infra/bench/hello")
		}
		if b, err := exec.CommandContext(ctx, "make", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("make build-%s: %v\n%s", id, err, b)
		}
		bins[id] = filepath.Join(tmp, id, "bootstrap")
	}
	base := []string{"AWS_REGION=ap-northeast-1", "AWS_ACCESS_KEY_ID=local", "AWS_SECRET_ACCESS_KEY=local",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512"}
	best := func(id string, env []string) (time.Duration, error) {
		var b time.Duration
		for i := 0; i < runs; i++ {
			d, err := toFirstNext(ctx, bins[id], append(append(env, base...), "AWS_LAMBDA_FUNCTION_NAME="+id))
			if err != nil {
				return 0, fmt.Errorf("%s: %w", id, err)
			}
			if b == 0 || d < b {
				b = d
			}
		}
		return b, nil
	}
	hello, err := best("HelloBaseline", nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "cold start: exec → first GET /runtime/invocation/next on a fake Runtime API, best of %d, %s/%s, target ≤ %d ms\n",
		runs, runtime.GOOS, runtime.GOARCH, coldStartTarget.Milliseconds())
	fmt.Fprintf(out, "  %-24s %8s  %7s\n", "function", "ms", "× hello")
	var over []string
	for _, id := range ids {
		d, err := best(id, st.Environ(id))
		if err != nil {
			return err
		}
		mark := ""
		if d > coldStartTarget {
			mark, over = "  over target", append(over, id)
		}
		fmt.Fprintf(out, "  %-24s %8.1f  %6.1f×%s\n", id, msOf(d), float64(d)/float64(hello), mark)
	}
	fmt.Fprintf(out, "  %-24s %8.1f  %6.1f×\n", "baseline: hello world", msOf(hello), 1.0)
	if len(over) > 0 {
		fmt.Fprintf(out, "  over %d ms: %v\n", coldStartTarget.Milliseconds(), over)
	}
	return nil
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// toFirstNext starts bin with a fake Runtime API and returns the time from
// exec to the bootstrap's first request for an invocation. The process is
// killed there: nothing is invoked.
func toFirstNext(ctx context.Context, bin string, env []string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	next := make(chan time.Time, 1)
	initErr := make(chan string, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		switch r.URL.Path {
		case "/2018-06-01/runtime/invocation/next":
			select {
			case next <- at:
			default:
			}
			<-r.Context().Done() // no invocation comes: the process is killed
		case "/2018-06-01/runtime/init/error":
			b, _ := io.ReadAll(io.LimitReader(r.Body, 4096))
			select {
			case initErr <- string(b):
			default:
			}
			w.WriteHeader(http.StatusAccepted)
		default:
			http.NotFound(w, r)
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	cmd := exec.CommandContext(ctx, bin)
	cmd.Env = append(env, "AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(), "PATH="+os.Getenv("PATH"))
	var stderr bytes.Buffer // read only once the process has ended
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { exited <- cmd.Wait() }()
	stop := func() error {
		_ = cmd.Process.Kill()
		return <-exited
	}
	select {
	case at := <-next:
		_ = stop()
		return at.Sub(start), nil
	case msg := <-initErr:
		_ = stop()
		return 0, fmt.Errorf("init error: %s\n%s", msg, stderr.String())
	case err := <-exited:
		return 0, fmt.Errorf("exited before asking for an invocation: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		_ = stop()
		return 0, fmt.Errorf("no GET /runtime/invocation/next within 10 s\n%s", stderr.String())
	}
}
