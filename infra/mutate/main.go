// Command mutate checks that the tests notice when a DynamoDB condition goes
// wrong. For every `.If(...)` call in the files it is given it makes two
// mutants, one at a time, in place: "drop" removes the call (the write is
// unconditional) and "negate" wraps the expression in NOT (...). It then runs
// the tests of that file's package; a mutant is killed when they fail. The
// file is restored after each mutant, and on Ctrl-C.
//
//	go run ./infra/withdynamo -- go run ./infra/mutate            (make mutate)
//	go run ./infra/withdynamo -- go run ./infra/mutate -files shared/export/job.go
//	go run ./infra/withdynamo -- go run ./infra/mutate -files shared/catalog/classes.go -at shared/catalog/classes.go:161
//
// It exits 1 when a mutant survives. A mutant that does not compile is
// reported as such and counts as a failure of this tool, not as killed.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// targets are the files whose conditions keep this system correct (issue 14).
var targets = []string{
	"shared/enrollment/enroll.go",
	"shared/catalog/classes.go",
	"shared/records/records.go",
	"shared/records/review.go",
	"shared/summary/repo.go",
	"shared/summary/repair.go",
	"shared/agency/sync.go",
	"shared/export/job.go",
	"shared/imports/job.go",
	"shared/imports/pipeline.go",
	"shared/statistics/rollup.go",
	"infra/migrate/migrate.go",
}

// mutant is one change to one file.
type mutant struct {
	file, kind string
	line       int
	from, to   int // byte range replaced
	with       string
}

func main() {
	files := flag.String("files", strings.Join(targets, ","), "comma-separated Go files to mutate")
	at := flag.String("at", "", "only the conditions at these comma-separated file:line positions")
	timeout := flag.Duration("timeout", 15*time.Minute, "go test -timeout for one mutant")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	survived, broken, total := 0, 0, 0
	start := time.Now()
	for _, f := range strings.Split(*files, ",") {
		ms, src, err := mutants(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		for _, m := range ms {
			if *at != "" && !strings.Contains(","+*at+",", fmt.Sprintf(",%s:%d,", m.file, m.line)) {
				continue
			}
			if ctx.Err() != nil {
				os.Exit(130)
			}
			total++
			t0 := time.Now()
			verdict, err := run(ctx, m, src, *timeout)
			if err != nil {
				fmt.Fprintln(os.Stderr, "mutate:", err)
				os.Exit(2)
			}
			switch verdict {
			case "SURVIVED":
				survived++
			case "NO BUILD", "ERROR":
				broken++
			}
			fmt.Printf("%-40s %s:%d %-6s %s  (%s)\n", verdict, m.file, m.line, m.kind, shorten(m.with, src[m.from:m.to]), time.Since(t0).Round(time.Second))
		}
	}
	fmt.Printf("\n%d mutants: %d killed, %d survived, %d did not build or could not run (%s)\n", total, total-survived-broken, survived, broken, time.Since(start).Round(time.Second))
	if survived > 0 || broken > 0 {
		os.Exit(1)
	}
}

// mutants lists the mutants of one file.
func mutants(file string) ([]mutant, []byte, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, src, 0)
	if err != nil {
		return nil, nil, err
	}
	var out []mutant
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "If" || len(call.Args) == 0 {
			return true
		}
		line := fset.Position(sel.Sel.Pos()).Line
		out = append(out, mutant{file: file, kind: "drop", line: line, from: off(sel.X.End()), to: off(call.Rparen) + 1})
		if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			expr, err := strconv.Unquote(lit.Value)
			if err == nil {
				out = append(out, mutant{file: file, kind: "negate", line: line, from: off(lit.Pos()), to: off(lit.End()),
					with: strconv.Quote("NOT (" + expr + ")")})
			}
		}
		return true
	})
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("%s has no .If(...) to mutate", file)
	}
	return out, src, nil
}

// run applies m, runs its package's tests and restores the file.
func run(ctx context.Context, m mutant, src []byte, timeout time.Duration) (string, error) {
	mutated := append(append(append([]byte{}, src[:m.from]...), m.with...), src[m.to:]...)
	if err := os.WriteFile(m.file, mutated, 0o644); err != nil {
		return "", err
	}
	defer os.WriteFile(m.file, src, 0o644)
	pkg := "./" + filepath.Dir(m.file)
	if out, err := exec.CommandContext(ctx, "go", "build", pkg).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "%s", out)
		return "NO BUILD", nil
	}
	for try := 1; ; try++ {
		var log bytes.Buffer
		cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-failfast", "-timeout", timeout.String(), pkg)
		cmd.Stdout, cmd.Stderr = &log, &log
		err := cmd.Run()
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err == nil {
			return "SURVIVED", nil
		}
		out := log.String()
		if m := failing.FindStringSubmatch(out); m != nil && !infra.MatchString(out) {
			return "KILLED by " + m[1], nil
		}
		if strings.Contains(out, "panic: test timed out") {
			return "KILLED (timeout)", nil
		}
		// A failure of the machinery (DynamoDB Local too slow to answer on a
		// loaded machine) kills nothing: run the tests again.
		if try == 3 {
			fmt.Fprintf(os.Stderr, "%s", out)
			return "ERROR", nil
		}
	}
}

var (
	failing = regexp.MustCompile(`--- FAIL: (\S+)`)
	infra   = regexp.MustCompile(`start stack: |is unreachable|connection refused`)
)

func shorten(with string, was []byte) string {
	s := strings.Join(strings.Fields(string(was)), " ")
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	if with == "" {
		return "removed " + s
	}
	return s + " → " + with
}
