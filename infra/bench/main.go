// Command bench runs the benchmarks of make bench. Each prints its figure and,
// measured in the same run on the same DynamoDB Local, a baseline and the ratio.
//
//	go run ./infra/withdynamo -- go run ./infra/bench [-n 2000]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecpa-lifelong/backoffice/infra/ddblocal"
	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 3 && args[0] == "import-one" { // a child of benchImport
		size, err := strconv.ParseInt(args[2], 10, 64)
		if err != nil {
			return err
		}
		return importOne(args[1], size)
	}
	if len(args) == 3 && args[0] == "export-one" { // a child of benchExport
		n, err := strconv.Atoi(args[2])
		if err != nil {
			return err
		}
		return exportOne(args[1], n)
	}
	if len(args) == 2 && args[0] == "export-worker-one" { // a child of benchExportWorker
		return exportWorkerOne(args[1])
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	n := fs.Int("n", 2000, "requests per latency benchmark")
	only := fs.String("only", "", "run one benchmark: coldstart, api, bulk, search, import, export (writers alone, then the worker end to end), export-writer, reports, statistics or rush")
	importRows := fs.String("import-rows", "200000", "row counts of the import benchmark (each size against baselines on the same size; 200000,1000000 for the 1M figure, about 20 more minutes)")
	importRepeat := fs.Int("import-repeat", 3, "runs of each loader on the first import size (the median is compared)")
	importPeople := fs.Int("import-people", 20_000, "people the import benchmark's rows name (cycled)")
	exportWorkerRows := fs.String("export-worker-rows", "20000,100000", "enrollees of the roster exports the export worker benchmark makes")
	bulkRounds := fs.Int("bulk-rounds", 4, "rounds of the bulk-write benchmark (each runs 1 and 8 writers, in alternating order)")
	lecturers := fs.Int("lecturers", 100_000, "lecturers for the search benchmark")
	courses := fs.Int("courses", 200_000, "courses for the search benchmark")
	scans := fs.Int("scans", 5, "baseline Scan runs of the search benchmark (each reads the whole table)")
	reportScale := fs.Int("report-scale", 10, "demo scale of the reports and statistics benchmarks (10: about 50,000 people)")
	rollupWorkers := fs.Int("rollup-workers", 4, "rollup workers at once in the statistics benchmark (Lambda runs one per top-level agency at once)")
	rushLearners := fs.Int("rush-learners", 2000, "learners of the enrollment-rush benchmark")
	rushSeats := fs.Int("rush-seats", 500, "seats of the rush benchmark's class")
	rushWorkers := fs.Int("rush-workers", 64, "enrollments in flight at once in the rush benchmark")
	if err := fs.Parse(args); err != nil {
		return err
	}
	workerRows, err := counts("export-worker-rows", *exportWorkerRows)
	if err != nil {
		return err
	}
	if *only == "export-writer" {
		return benchExport(out, []int{100_000, 500_000})
	}
	endpoint := os.Getenv(settings.DynamoDBEndpoint)
	if endpoint == "" {
		db, err := ddblocal.Start(ctx, ddblocal.Options{})
		if err != nil {
			return err
		}
		defer db.Stop()
		endpoint = db.Endpoint
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	s3 := s3mem.New()
	st, err := stack.Start(ctx, stack.Config{Template: filepath.Join(root, "template.yaml"), Addr: "127.0.0.1:0",
		S3Addr: "127.0.0.1:0", DynamoEndpoint: endpoint, S3Backend: s3, TablePrefix: fmt.Sprintf("bench%d_", time.Now().Unix())})
	if err != nil {
		return err
	}
	defer st.Close()
	env := settings.New(st.Getenv)
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return err
	}
	tables := store.Open(cfg, env, settings.TableDirectory, settings.TableCatalog, settings.TableRecords)
	fmt.Fprintf(out, "benchmarks on %s, %d cores, DynamoDB Local at %s\n\n", runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU(), endpoint)
	if *only == "" || *only == "coldstart" {
		if err := benchColdStart(ctx, out, root, st, 3); err != nil {
			return err
		}
		if *only == "coldstart" {
			return nil
		}
		fmt.Fprintln(out)
	}

	if *only == "reports" || *only == "statistics" { // its own demo size; run alone (make bench runs it after the rest)
		o := demo.Options{Seed: 1, Scale: *reportScale, Now: time.Now()}
		d := demo.Generate(o)
		start := time.Now()
		c, err := demo.Load(ctx, demo.Tables{Directory: tables.Directory, Catalog: tables.Catalog, Records: tables.Records}, d, o, 8)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "demo at scale %d loaded in %s: %+v\n\n", *reportScale, time.Since(start).Round(time.Second), c)
		if *only == "statistics" {
			return benchStatistics(ctx, out, st, tables, d, min(*n, 300), *rollupWorkers)
		}
		return benchReports(ctx, out, st, tables, d, min(*n, 500))
	}
	o := demo.Options{Seed: 1, Scale: 1, Now: time.Now()}
	d := demo.Generate(o)
	if *only == "rush" { // run alone (make bench runs it after the rest)
		if _, err := demo.Load(ctx, demo.Tables{Directory: tables.Directory, Catalog: tables.Catalog, Records: tables.Records}, d, o, 8); err != nil {
			return err
		}
		return benchRush(ctx, out, st, tables, d, *rushLearners, *rushSeats, *rushWorkers)
	}
	if *only == "" || *only == "bulk" {
		if err := benchLoad(ctx, out, tables, d, max(1, *bulkRounds)); err != nil {
			return err
		}
	}
	if *only == "" || *only == "api" {
		if _, err := demo.Load(ctx, demo.Tables{Directory: tables.Directory, Catalog: tables.Catalog, Records: tables.Records}, d, o, 8); err != nil {
			return err
		}
		if err := benchAPI(ctx, out, st, tables, *n); err != nil {
			return err
		}
	}
	if *only == "" || *only == "import" {
		sizes, err := counts("import-rows", *importRows)
		if err != nil {
			return err
		}
		fmt.Fprintln(out)
		if err := benchImport(ctx, out, st, s3, tables, sizes, max(1, *importRepeat), max(1, *importPeople)); err != nil {
			return err
		}
	}
	if *only == "" || *only == "search" {
		if *only == "search" { // the API benchmark loaded the demo users otherwise
			if _, err := demo.Load(ctx, demo.Tables{Directory: tables.Directory, Catalog: tables.Catalog, Records: tables.Records}, d, o, 8); err != nil {
				return err
			}
		}
		fmt.Fprintln(out)
		if err := benchSearch(ctx, out, st, tables, d, *lecturers, *courses, min(*n, 1000), *scans); err != nil {
			return err
		}
	}
	if *only == "" || *only == "export" {
		if *only == "export" { // the agencies the roster names
			if _, err := demo.Load(ctx, demo.Tables{Directory: tables.Directory, Catalog: tables.Catalog, Records: tables.Records}, d, o, 8); err != nil {
				return err
			}
		}
		fmt.Fprintln(out)
		if err := benchExport(out, []int{100_000, 500_000}); err != nil {
			return err
		}
		return benchExportWorker(ctx, out, st, tables, workerRows)
	}
	return nil
}

// counts reads a flag's comma-separated row counts.
func counts(name, v string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-%s %q: want row counts", name, v)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchLoad: bulk writes with 8 concurrent batch writers (store.WriteAll, as
// the demo loader and later importers use) against one writer. The two run
// in alternating order, rounds times each (DynamoDB Local is a JVM: whichever
// runs first pays for its warm-up), and every run writes items of its own
// (the same people and records under a run's own keys), never overwrites.
func benchLoad(ctx context.Context, out io.Writer, t store.Tables, d demo.Data, rounds int) error {
	run := 0
	items := func() []any {
		run++
		var items []any
		for _, p := range d.People {
			p.ID, p.NationalID = fmt.Sprintf("%s-r%d", p.ID, run), fmt.Sprintf("%s-r%d", p.NationalID, run)
			items = append(items, staff.Keyed(p)...)
		}
		for _, r := range d.Records {
			r.PersonID = fmt.Sprintf("%s-r%d", r.PersonID, run)
			items = append(items, records.Keyed(r))
		}
		return items
	}
	rate := func(workers int) (float64, int, error) {
		batch := items()
		start := time.Now()
		if err := store.WriteAll(ctx, t.Records, batch, workers); err != nil {
			return 0, 0, err
		}
		return float64(len(batch)) / time.Since(start).Seconds(), len(batch), nil
	}
	// Untimed warm-up of both, then the rounds: 1, 8 | 8, 1 | 1, 8 ...
	for _, w := range []int{1, 8} {
		if _, _, err := rate(w); err != nil {
			return err
		}
	}
	var one, eight []float64
	n := 0
	for i := range rounds {
		order := []int{1, 8}
		if i%2 == 1 {
			order = []int{8, 1}
		}
		for _, w := range order {
			r, size, err := rate(w)
			if err != nil {
				return err
			}
			n = size
			if w == 1 {
				one = append(one, r)
			} else {
				eight = append(eight, r)
			}
		}
	}
	list := func(xs []float64) string {
		var s []string
		for _, x := range xs {
			s = append(s, fmt.Sprintf("%.0f", x))
		}
		return strings.Join(s, ", ")
	}
	fmt.Fprintf(out, "bulk write, %d distinct items a run (people + learning records), after one untimed run of each; %d rounds, order alternating\n", n, rounds)
	fmt.Fprintf(out, "  store.WriteAll, 8 writers   median %8.0f items/s   (runs: %s)\n", median(eight), list(eight))
	fmt.Fprintf(out, "  baseline: 1 writer          median %8.0f items/s   (runs: %s)\n", median(one), list(one))
	fmt.Fprintf(out, "  ratio of the medians        %8.2f×\n\n", median(eight)/median(one))
	return nil
}

// benchAPI: GET /api/me through the local gateway (authorizer with JWT
// verification, the function, the Guard's DynamoDB reads, JSON both ways)
// against the same DynamoDB reads made directly: the ratio is what the
// serverless plumbing costs on top of the data access.
func benchAPI(ctx context.Context, out io.Writer, st *stack.Stack, t store.Tables, n int) error {
	tok, err := st.Token(ctx, "moi.hr", time.Hour)
	if err != nil {
		return err
	}
	client := &http.Client{}
	call := func() error { return getOK(ctx, client, st.URL, "/api/me", tok) }
	svc := &account.Service{Repo: account.Repo{DB: t.DB, Table: t.Directory}, Agencies: agency.Repo{Table: t.Directory}}
	direct := func() error {
		_, err := svc.LoadCaller(ctx, auth.Principal{Subject: "moi.hr", Kind: auth.KindOfficer, SessionID: "bench", Expires: time.Now().Add(time.Hour)})
		return err
	}
	api, err := latencies(n, 50, call)
	if err != nil {
		return err
	}
	base, err := latencies(n, 50, direct)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "GET /api/me, %d sequential requests\n", n)
	fmt.Fprintf(out, "  through gateway + authorizer + function   p50 %6.2f ms  p95 %6.2f ms\n", ms(api, 50), ms(api, 95))
	fmt.Fprintf(out, "  baseline: the same DynamoDB reads direct  p50 %6.2f ms  p95 %6.2f ms\n", ms(base, 50), ms(base, 95))
	fmt.Fprintf(out, "  ratio (p50)                               %6.2f×\n", ms(api, 50)/ms(base, 50))
	return nil
}

// latencies times f n times after warm calls (to warm connections and
// caches), sorted.
func latencies(n, warm int, f func() error) ([]time.Duration, error) {
	for i := 0; i < warm; i++ {
		if err := f(); err != nil {
			return nil, err
		}
	}
	out := make([]time.Duration, n)
	for i := range out {
		start := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		out[i] = time.Since(start)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func ms(sorted []time.Duration, pct int) float64 {
	return float64(sorted[(len(sorted)-1)*pct/100].Microseconds()) / 1000
}

// getOK is one GET through the local gateway as tok's holder; anything but
// 200 is an error. The body is read whole and dropped.
func getOK(ctx context.Context, client *http.Client, base, path, tok string) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	return nil
}
