package main

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/johannesboyne/gofakes3"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

//go:embed batch_writer.py
var batchWriterPy []byte

// importFile writes n learner-hour rows (未開班, Big5, as Excel saves them)
// for the people, every row a distinct natural key; rows are numbered from
// `from` (the warm-up's rows differ from the measured ones).
func importFile(path string, people []staff.Person, from, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	w := traditionalchinese.Big5.NewEncoder().Writer(bw)
	io.WriteString(w, "身分證字號*,姓名*,訓練進修機構名稱*,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n")
	for i := from; i < from+n; i++ {
		p := people[i%len(people)]
		fmt.Fprintf(w, "%s,%s,國家文官學院,英語簡報技巧第%d班,115/%02d/%02d,115/%02d/%02d,3111,%d,1,2,,,A,%d\r\n",
			p.NationalID, p.Name, i, 1+i%12, 1+i%28, 1+i%12, 1+i%28, 1+i%8, i%100)
	}
	return bw.Flush()
}

// importResult is what the child reports.
type importResult struct {
	Rows, Applied, Failed int
	Stage, Apply          float64 // seconds
	PeakMB                float64 // the child's own high-water resident set (VmHWM)
}

// importOne is the child process: the import function's handler for the S3
// event, then the apply function's handler, as Lambda would invoke them.
func importOne(key string, size int64) error {
	ctx := context.Background()
	defer profileChild()()
	stage, err := lambdafn.Import(ctx, os.Getenv)
	if err != nil {
		return err
	}
	apply, err := lambdafn.ImportApply(ctx, os.Getenv)
	if err != nil {
		return err
	}
	ev := events.S3Event{Records: []events.S3EventRecord{{S3: events.S3Entity{
		Bucket: events.S3Bucket{Name: os.Getenv(settings.BucketUploads)},
		Object: events.S3Object{Key: key, Size: size, ETag: "bench"}}}}}
	t0 := time.Now()
	if err := stage(ctx, ev); err != nil {
		return err
	}
	id, _ := imports.JobID(key)
	t1 := time.Now()
	j, err := apply(ctx, invoke.JobInput{JobID: id})
	if err != nil {
		return err
	}
	t2 := time.Now()
	return json.NewEncoder(os.Stdout).Encode(importResult{Rows: j.Rows, Applied: j.Applied, Failed: j.Failed,
		Stage: t1.Sub(t0).Seconds(), Apply: t2.Sub(t1).Seconds(), PeakMB: highWaterMB()})
}

// benchImport runs the whole path for each size: S3 put, the import
// function (stage), the apply function (what the nightly batch starts), into
// DynamoDB Local; then the same rows through boto3's batch_writer.
func benchImport(ctx context.Context, out io.Writer, st *stack.Stack, s3 gofakes3.Backend, t store.Tables, sizes []int, repeat, nPeople int) error {
	env := settings.New(st.Getenv)
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return err
	}
	files := blob.Open(cfg, env, settings.BucketUploads)
	jobs := imports.Jobs{DB: t.DB, Table: t.Directory}
	// The people the rows name: written directly, not timed.
	r := rand.New(rand.NewPCG(5, 6))
	people := make([]staff.Person, nPeople)
	var items []any
	for i := range people {
		people[i] = staff.Person{ID: fmt.Sprintf("bench%06d", i), NationalID: nid.Generate(r, 1+i%2), Name: "王小明",
			Agency: demo.MOI, Unit: "人事室"}
		items = append(items, staff.Keyed(people[i])...)
	}
	if err := store.WriteAll(ctx, t.Directory, items, 8); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// One run of the whole path on one file: S3 put, then the child.
	importRun := func(path string, n int) (importResult, float64, error) {
		fi, err := os.Stat(path)
		if err != nil {
			return importResult{}, 0, err
		}
		id := fmt.Sprintf("bench%d%d", n, time.Now().UnixNano()%1e6)
		key := fmt.Sprintf("%s%s/%s/%s.csv", imports.KeyPrefix, demo.MOI, imports.HoursExternal, id)
		if err := jobs.Create(ctx, imports.Job{ID: id, Kind: imports.HoursExternal, Agency: demo.MOI, AgencyName: "內政部",
			FileName: filepath.Base(path), Key: key, Size: fi.Size(), Status: imports.Uploading, Created: time.Now()}); err != nil {
			return importResult{}, 0, err
		}
		start := time.Now()
		f, err := os.Open(path)
		if err != nil {
			return importResult{}, 0, err
		}
		// Into the bucket's store directly, so the stack's own notification
		// does not start its ImportFunction: the child is the function here.
		_, err = s3.PutObject(files.Uploads, key, map[string]string{"Content-Type": "text/csv"}, f, fi.Size(), nil)
		f.Close()
		if err != nil {
			return importResult{}, 0, err
		}
		cmd := exec.CommandContext(ctx, self, "import-one", key, strconv.FormatInt(fi.Size(), 10))
		cmd.Env = append(st.Environ("ImportApplyFunction"), "AWS_LAMBDA_FUNCTION_NAME=ImportApplyFunction", "PATH="+os.Getenv("PATH"),
			"BENCH_PROFILE="+os.Getenv("BENCH_PROFILE"))
		var stdout strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, io.Discard
		if err := cmd.Run(); err != nil {
			return importResult{}, 0, fmt.Errorf("import of %d rows: %w: %s", n, err, stdout.String())
		}
		secs := time.Since(start).Seconds()
		var res importResult
		if err := json.Unmarshal([]byte(strings.TrimSpace(lastLine(stdout.String()))), &res); err != nil {
			return importResult{}, 0, fmt.Errorf("child said %q: %w", stdout.String(), err)
		}
		if res.Applied != n {
			return importResult{}, 0, fmt.Errorf("import of %d rows applied %d (failed %d)", n, res.Applied, res.Failed)
		}
		return res, secs, nil
	}
	// Every file gets rows of its own (no run overwrites another's items).
	made := 0
	newFile := func(n int) (string, error) {
		made++
		path := filepath.Join(dir, fmt.Sprintf("hours-%d-%d.csv", made, n))
		return path, importFile(path, people, made*10_000_000, n)
	}
	// Warm-up, untimed: DynamoDB Local is a JVM, and whichever loader ran
	// first paid for its JIT compilation (the same loader measured 5,300 and
	// then 9,200 items/s). Both loaders run once on other rows first.
	const warm = 20_000
	warmPath, err := newFile(warm)
	if err != nil {
		return err
	}
	if _, _, err := importRun(warmPath, warm); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	if _, err := baseline(ctx, st, warmPath); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	fmt.Fprintf(out, "import, learner hours (未開班), Big5 CSV, %d people; warm-up %d rows each; the first size %d times, alternating\n",
		len(people), warm, repeat)
	fmt.Fprintf(out, "  %-28s %9s %9s %9s %9s %11s\n", "", "rows", "seconds", "rows/s", "× base", "peak RSS MB")
	line := func(label string, n int, secs, ratio, rss float64) {
		r, m := "", ""
		if ratio > 0 {
			r = fmt.Sprintf("%.1f×", ratio)
		}
		if rss > 0 {
			m = fmt.Sprintf("%.0f", rss)
		}
		fmt.Fprintf(out, "  %-28s %9d %9.1f %9.0f %9s %11s\n", label, n, secs, float64(n)/secs, r, m)
	}
	var base float64 // rows/s: the median of the baseline's runs on the first size
	for i, n := range sizes {
		runs := 1
		if i == 0 {
			runs = repeat
		}
		var ours, theirs []float64
		var peak float64
		var last importResult
		for range runs {
			path, err := newFile(n)
			if err != nil {
				return err
			}
			res, secs, err := importRun(path, n)
			if err != nil {
				return err
			}
			// res.PeakMB is the child's own VmHWM, not the rusage of the
			// wait: Go starts a child with vfork, and Linux carries the
			// parent's high-water mark (here the in-memory S3 holding the
			// whole file) into the child's ru_maxrss at exec.
			ours, peak, last = append(ours, float64(n)/secs), max(peak, res.PeakMB), res
			line("put → stage → apply", n, secs, 0, res.PeakMB)
			if i == 0 {
				b, err := baseline(ctx, st, path)
				if err != nil {
					return err
				}
				theirs = append(theirs, b)
				line("baseline: boto3 batch_writer", n, float64(n)/b, 0, 0)
			}
		}
		if i == 0 {
			base = median(theirs)
		}
		rate := median(ours)
		label := "median of the runs"
		if runs == 1 {
			label = "  (this run)"
		}
		fmt.Fprintf(out, "  %-28s %9d %9s %9.0f %8.1f× %11.0f   (baseline %.0f rows/s)\n", label, n, "", rate, rate/base, peak, base)
		fmt.Fprintf(out, "  %-28s %9s %9s   (last run: stage %.1f s = %.0f rows/s, apply %.1f s = %.0f rows/s)\n", "", "", "",
			last.Stage, float64(n)/last.Stage, last.Apply, float64(n)/last.Apply)
	}
	fmt.Fprintln(out, "  parse + validate alone, one core: go test -run '^$' -bench ParseValidate -cpu 1 ./shared/imports (make bench runs it)")
	return nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// baseline loads the file with boto3's batch_writer and returns rows/s.
func baseline(ctx context.Context, st *stack.Stack, path string) (float64, error) {
	script := filepath.Join(filepath.Dir(path), "batch_writer.py")
	if err := os.WriteFile(script, batchWriterPy, 0o644); err != nil {
		return 0, err
	}
	out, err := exec.CommandContext(ctx, "python3", script, st.Getenv(settings.DynamoDBEndpoint),
		st.Getenv(settings.TableRecords), path).Output()
	if err != nil {
		return 0, fmt.Errorf("python3 batch_writer baseline (is boto3 installed?): %w", err)
	}
	var res struct {
		Rows    int
		Seconds float64
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("baseline said %q: %w", out, err)
	}
	return float64(res.Rows) / res.Seconds, nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
