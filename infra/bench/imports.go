package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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
	"github.com/ecpa-lifelong/backoffice/shared/records"
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
	ExactSecs             float64 `json:"-"` // from the put until the stream made every summary exact
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
		// The summaries follow from the Records stream (issue 25): the upload
		// is done for an officer once every summary it changed is exact.
		if err := st.WaitStreams(ctx); err != nil {
			return importResult{}, 0, fmt.Errorf("summaries of %d rows: %w", n, err)
		}
		exact := time.Since(start).Seconds()
		var res importResult
		if err := json.Unmarshal([]byte(strings.TrimSpace(lastLine(stdout.String()))), &res); err != nil {
			return importResult{}, 0, fmt.Errorf("child said %q: %w", stdout.String(), err)
		}
		if res.Applied != n {
			return importResult{}, 0, fmt.Errorf("import of %d rows applied %d (failed %d)", n, res.Applied, res.Failed)
		}
		res.ExactSecs = exact
		return res, secs, nil
	}
	// settle lets the stream catch up with what a loader wrote, untimed, so
	// the next loader does not share the machine with its recomputes.
	settle := func() error {
		err := st.WaitStreams(ctx)
		st.StreamStats(true)
		return err
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
	loaders := []loader{
		{"put → stage → apply (ours)", func(path string, n int) (float64, float64, error) {
			if err := settle(); err != nil {
				return 0, 0, err
			}
			res, secs, err := importRun(path, n)
			if err == nil {
				lags := st.StreamStats(true).Lags
				fmt.Fprintf(out, "  %-32s %9d summaries exact %.1f s after the put (%.0f rows/s); lag write → summary p50 %.1f s, p95 %.1f s (%d records)\n",
					"  with the summaries (stream)", n, res.ExactSecs, float64(n)/res.ExactSecs, pct(lags, 50), pct(lags, 95), len(lags))
			}
			return float64(n) / secs, res.PeakMB, err
		}},
		{"boto3 batch_writer, 1 thread", func(path string, n int) (float64, float64, error) {
			if err := settle(); err != nil {
				return 0, 0, err
			}
			r, err := baseline(ctx, st, path, 1)
			return r, 0, err
		}},
		{"boto3 batch_writer, 8 threads", func(path string, n int) (float64, float64, error) {
			if err := settle(); err != nil {
				return 0, 0, err
			}
			r, err := baseline(ctx, st, path, 8)
			return r, 0, err
		}},
		{"Go BatchWriteItem ×8 (ceiling)", func(path string, n int) (float64, float64, error) {
			if err := settle(); err != nil {
				return 0, 0, err
			}
			r, err := ceiling(ctx, t, path)
			return r, 0, err
		}},
	}
	for _, l := range loaders[1:] {
		if _, _, err := l.run(warmPath, warm); err != nil {
			return fmt.Errorf("warm-up of %s: %w", l.name, err)
		}
	}
	fmt.Fprintf(out, "import, learner hours (未開班), Big5 CSV, %d people; warm-up %d rows each; the first size %d times, the loaders' order rotated each time\n",
		len(people), warm, repeat)
	fmt.Fprintln(out, "  every loader reads the same file and writes one item per row into the same Records table (same indexes); none validates but ours")
	fmt.Fprintf(out, "  %-32s %9s %9s %11s\n", "", "rows", "rows/s", "peak RSS MB")
	for i, n := range sizes {
		runs := 1
		if i == 0 {
			runs = repeat
		}
		rates := make([][]float64, len(loaders))
		var peak float64
		for run := range runs {
			path, err := newFile(n)
			if err != nil {
				return err
			}
			for k := range loaders {
				l := (k + run) % len(loaders)
				rate, mb, err := loaders[l].run(path, n)
				if err != nil {
					return fmt.Errorf("%s, %d rows: %w", loaders[l].name, n, err)
				}
				rates[l], peak = append(rates[l], rate), max(peak, mb)
				m := ""
				if mb > 0 {
					m = fmt.Sprintf("%.0f", mb)
				}
				fmt.Fprintf(out, "  %-32s %9d %9.0f %11s\n", loaders[l].name, n, rate, m)
			}
		}
		ours := median(rates[0])
		fmt.Fprintf(out, "  %d rows, median of %d run(s): ours %.0f rows/s (peak RSS %.0f MB)\n", n, runs, ours, peak)
		for l := 1; l < len(loaders); l++ {
			b := median(rates[l])
			fmt.Fprintf(out, "    vs %-32s %9.0f rows/s   ratio %5.2f×\n", loaders[l].name, b, ours/b)
		}
	}
	fmt.Fprintln(out, "  parse + validate alone, one core: go test -run '^$' -bench ParseValidate -cpu 1 ./shared/imports (make bench runs it)")
	return nil
}

// pct is the p-th percentile of lags in seconds (0 when there are none).
func pct(lags []time.Duration, p int) float64 {
	if len(lags) == 0 {
		return 0
	}
	xs := slices.Clone(lags)
	slices.Sort(xs)
	return xs[min(len(xs)-1, len(xs)*p/100)].Seconds()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// loader is one way of loading an import file; run returns rows/s and, for
// ours, the peak memory of the process that did it.
type loader struct {
	name string
	run  func(path string, n int) (rate, peakMB float64, err error)
}

var baselineRuns int

// baseline loads the file with boto3's batch_writer from threads threads and
// returns rows/s. Each run writes items of its own (a key prefix per run).
func baseline(ctx context.Context, st *stack.Stack, path string, threads int) (float64, error) {
	baselineRuns++
	script := filepath.Join(filepath.Dir(path), "batch_writer.py")
	if err := os.WriteFile(script, batchWriterPy, 0o644); err != nil {
		return 0, err
	}
	out, err := exec.CommandContext(ctx, "python3", script, st.Getenv(settings.DynamoDBEndpoint),
		st.Getenv(settings.TableRecords), path, strconv.Itoa(threads), fmt.Sprintf("BASE%d", baselineRuns)).Output()
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

var ceilingRuns int

// ceiling loads the file the plainest way Go can: decode, split the CSV, one
// record item per row (the same attributes and index keys ours writes) and
// store.WriteAll with 8 concurrent BatchWriteItem writers, no validation, no
// job bookkeeping. It returns rows/s, parse included.
func ceiling(ctx context.Context, t store.Tables, path string) (float64, error) {
	ceilingRuns++
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rd := csv.NewReader(traditionalchinese.Big5.NewDecoder().Reader(bufio.NewReaderSize(f, 1<<20)))
	rd.ReuseRecord = true
	if _, err := rd.Read(); err != nil {
		return 0, err
	}
	var items []any
	for {
		r, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		hours, _ := strconv.Atoi(r[7])
		sum := sha256.Sum256([]byte(strings.Join([]string{r[0], r[2], r[3], r[4], r[5], r[6]}, "\x1f")))
		items = append(items, records.Keyed(records.Record{PersonID: fmt.Sprintf("CEIL%d-%s", ceilingRuns, r[0]),
			ID: "X#" + hex.EncodeToString(sum[:12]), Agency: demo.MOI, Year: 2026, Source: records.SourceExternal,
			CourseName: r[3], Institution: r[2], Category: r[6], Start: r[4], End: r[5], Hours: hours, Status: records.Final}))
	}
	if err := store.WriteAll(ctx, t.Records, items, 8); err != nil {
		return 0, err
	}
	return float64(len(items)) / time.Since(start).Seconds(), nil
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
