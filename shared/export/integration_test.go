package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// moiClass finds a class organised by 內政部 with approved enrollees.
func moiClass(t *testing.T, d demo.Data) (catalog.Class, int) {
	t.Helper()
	for _, c := range d.Classes {
		if c.Agency != demo.MOI {
			continue
		}
		n := 0
		for _, e := range d.Enrollments {
			if e.CourseCode == c.CourseCode && e.Session == c.Session && e.Status == catalog.Approved {
				n++
			}
		}
		if n >= 2 {
			return c, n
		}
	}
	t.Fatal("demo data has no 內政部 class with approved enrollees")
	return catalog.Class{}, 0
}

func request(t *testing.T, env *stacktest.Env, user string, c catalog.Class, format, sort string) export.Job {
	t.Helper()
	r := env.As(t, user, "POST", "/api/exports/roster", map[string]any{"format": format,
		"params": map[string]string{"courseCode": c.CourseCode, "session": c.Session, "sort": sort}})
	if r.Status != 202 {
		t.Fatalf("request %s: %d %s", format, r.Status, r.Body)
	}
	var j export.Job
	r.JSON(t, &j)
	if j.Status != export.Queued || j.Password == "" {
		t.Fatalf("new job %+v", j)
	}
	return j
}

func finished(t *testing.T, env *stacktest.Env, user, id string) export.Job {
	t.Helper()
	env.WaitAsync()
	var j export.Job
	env.As(t, user, "GET", "/api/exports/jobs/"+id, nil).JSON(t, &j)
	if j.Status != export.Done {
		t.Fatalf("job %s: %+v", id, j)
	}
	return j
}

func download(t *testing.T, env *stacktest.Env, user, id string) []byte {
	t.Helper()
	r := env.As(t, user, "GET", "/api/exports/jobs/"+id+"/download", nil)
	if r.Status != 200 {
		t.Fatalf("download link: %d %s", r.Status, r.Body)
	}
	link := r.Map(t)["url"].(string)
	if u, err := url.Parse(link); err != nil || u.Query().Get("X-Amz-Expires") != "300" {
		t.Fatalf("download link %s: want the default lifetime, 300 s", link)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET presigned: %d %s", resp.StatusCode, body)
	}
	return body
}

// unzip opens the ZIP with 7-Zip and returns the one file inside.
func unzip(t *testing.T, zipBytes []byte, password, name string) string {
	t.Helper()
	dir := t.TempDir()
	zp := filepath.Join(dir, "x.zip")
	os.WriteFile(zp, zipBytes, 0o644)
	if out, err := exec.Command("7z", "x", "-y", "-p"+password, "-o"+dir, zp).CombinedOutput(); err != nil {
		t.Fatalf("7z x: %v\n%s", err, out)
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		entries, _ := os.ReadDir(dir)
		t.Fatalf("%s not in the ZIP (Chinese name lost?): %v", name, entries)
	}
	return p
}

// sheetRows reads a spreadsheet through LibreOffice as csv.
func sheetRows(t *testing.T, path string) [][]string {
	t.Helper()
	out := filepath.Join(filepath.Dir(path), "csv")
	cmd := exec.Command("soffice", "-env:UserInstallation=file://"+filepath.Join(filepath.Dir(path), "profile"), "--headless",
		"--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false`, "--outdir", out, path)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, b)
	}
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	raw, err := os.ReadFile(filepath.Join(out, base+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRosterExportEndToEnd(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 400, Classes: 30})
	class, approved := moiClass(t, env.Data)
	for _, format := range []string{"xlsx", "ods", "csv"} {
		t.Run(format, func(t *testing.T) {
			job := request(t, env, "moi.course", class, format, "name")
			done := finished(t, env, "moi.course", job.ID)
			if done.Rows != approved || done.Size == 0 || done.Password != job.Password {
				t.Fatalf("finished job %+v, want %d rows", done, approved)
			}
			inner := strings.TrimSuffix(done.Filename, ".zip") + "." + format
			path := unzip(t, download(t, env, "moi.course", job.ID), job.Password, inner)
			var rows [][]string
			if format == "csv" {
				raw, _ := os.ReadFile(path)
				rows, _ = csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
			} else {
				rows = sheetRows(t, path)
			}
			if len(rows) != approved+1 || rows[0][1] != "身分證字號" {
				t.Fatalf("%d rows, header %v", len(rows), rows[0])
			}
			for _, r := range rows[1:] {
				if !nid.Valid(r[1]) || r[13] != class.CourseCode || r[16] != roc.FormatISO(class.Start) || r[5] == "" {
					t.Errorf("row %v: want a valid ID, the course code, the ROC start date, the agency code as text", r)
				}
			}
		})
	}
	// The job list shows the requester's jobs with conditions and passwords.
	var list struct{ Items []export.Job }
	env.As(t, "moi.course", "GET", "/api/exports/roster", nil).JSON(t, &list)
	want := []string{"課程", "課程代碼", "期別", "上課日期", "排序", "檔案格式"}
	var labels []string
	for _, c := range list.Items[0].Conditions {
		labels = append(labels, c.Label)
	}
	if len(list.Items) != 3 || list.Items[0].Conditions[1].Value != class.CourseCode || list.Items[0].Password == "" ||
		strings.Join(labels, ",") != strings.Join(want, ",") {
		t.Fatalf("job list %+v", list.Items)
	}
}

func TestExportsBelongToTheRequester(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 400, Classes: 30})
	class, _ := moiClass(t, env.Data)
	job := request(t, env, "moi.course", class, "csv", "agency")
	finished(t, env, "moi.course", job.ID)
	for _, user := range []string{"moi.admin", "tpe.admin", "sys.admin"} {
		for _, path := range []string{"/api/exports/jobs/" + job.ID, "/api/exports/jobs/" + job.ID + "/download"} {
			if r := env.As(t, user, "GET", path, nil); r.Status != 404 || strings.Contains(string(r.Body), job.Password) {
				t.Errorf("%s GET %s: %d %s", user, path, r.Status, r.Body)
			}
		}
		var list struct{ Items []export.Job }
		if r := env.As(t, user, "GET", "/api/exports/roster", nil); r.Status == 200 {
			r.JSON(t, &list)
			if len(list.Items) != 0 {
				t.Errorf("%s sees %d of moi.course's jobs", user, len(list.Items))
			}
		}
	}
	// Another agency cannot export this agency's class.
	r := env.As(t, "tpe.admin", "POST", "/api/exports/roster", map[string]any{"format": "xlsx",
		"params": map[string]string{"courseCode": class.CourseCode, "session": class.Session}})
	if r.Status != 404 {
		t.Fatalf("tpe.admin exporting a 內政部 class: %d %s", r.Status, r.Body)
	}
	// A repeated invocation of the worker (async retries, duplicates) does nothing twice.
	before := finished(t, env, "moi.course", job.ID)
	resp, err := http.Post(env.URL+"/2015-03-31/functions/ExportWorkerFunction/invocations", "application/json",
		strings.NewReader(fmt.Sprintf(`{"jobId":%q}`, job.ID)))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("invoke worker again: %v %v", err, resp)
	}
	after := finished(t, env, "moi.course", job.ID)
	if after.Finished != before.Finished || after.Size != before.Size {
		t.Fatalf("the job ran twice: %+v then %+v", before, after)
	}
}

func TestExportBadInput(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 100, Classes: 10})
	class, _ := moiClass(t, env.Data)
	tests := []struct {
		body any
		code string
	}{
		{map[string]any{"format": "pdf", "params": map[string]string{"courseCode": class.CourseCode, "session": class.Session}}, "invalid_input"},
		{map[string]any{"format": "xlsx", "params": map[string]string{}}, "invalid_input"},
		{map[string]any{"format": "xlsx", "params": map[string]string{"courseCode": class.CourseCode, "session": class.Session, "sort": "age"}}, "invalid_input"},
		{map[string]any{"format": "xlsx", "params": map[string]string{"courseCode": "NOPE", "session": "1"}}, "not_found"},
		{map[string]any{"format": "xlsx", "extra": 1}, "bad_json"},
	}
	for _, tt := range tests {
		if r := env.As(t, "moi.course", "POST", "/api/exports/roster", tt.body); r.Code() != tt.code || r.Status >= 500 {
			t.Errorf("%v: %d %s, want %s", tt.body, r.Status, r.Body, tt.code)
		}
	}
	if r := env.As(t, "moi.course", "GET", "/api/exports/jobs/nope/download", nil); r.Status != 404 || r.Code() != "not_found" {
		t.Errorf("unknown job: %d %s", r.Status, r.Body)
	}
}

func TestExpiredLinkNoLongerWorks(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 400, Classes: 30, Env: map[string]string{"DOWNLOAD_LINK_TTL": "1"}})
	class, _ := moiClass(t, env.Data)
	job := request(t, env, "moi.course", class, "csv", "order")
	finished(t, env, "moi.course", job.ID)
	r := env.As(t, "moi.course", "GET", "/api/exports/jobs/"+job.ID+"/download", nil)
	link := r.Map(t)["url"].(string)
	time.Sleep(2100 * time.Millisecond)
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("an expired link answered %d", resp.StatusCode)
	}
	if u, err := url.Parse(link); err != nil || u.Query().Get("X-Amz-Expires") != "1" {
		t.Fatalf("link %s: want the configured lifetime, 1 s", link)
	}
}

// rowsSource emits n rows slowly enough for the deadline check to matter.
type rowsSource struct{ n int }

func (rowsSource) Kind() string { return "rows" }
func (rowsSource) Plan(context.Context, auth.Caller, map[string]string) (export.Plan, error) {
	return export.Plan{}, nil
}
func (rowsSource) Columns() []export.Column {
	return []export.Column{{Title: "編號", Kind: export.Text}, {Title: "數", Kind: export.Number}}
}
func (s rowsSource) Rows(_ context.Context, _ map[string]string, emit func([]string) error) error {
	for i := 0; i < s.n; i++ {
		if err := emit([]string{fmt.Sprintf("%06d", i), fmt.Sprint(i)}); err != nil {
			return err
		}
	}
	return nil
}

// workerFixture is a worker on a stack's tables and exports bucket, with
// helpers to queue a job of the fake "rows" kind and read it back.
type workerFixture struct {
	t    *testing.T
	jobs export.Jobs
	up   *manager.Uploader
	bkt  string
}

func newWorkerFixture(t *testing.T) workerFixture {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	e := settings.New(env.Getenv)
	cfg, _ := settings.AWS(context.Background(), e)
	files := blob.Open(cfg, e, settings.BucketExports)
	return workerFixture{t: t, jobs: export.Jobs{Table: env.Tables.Directory}, up: manager.NewUploader(files.Client), bkt: files.Exports}
}

func (f workerFixture) worker(src export.Source) *export.Worker {
	return &export.Worker{Jobs: f.jobs, Sources: map[string]export.Source{"rows": src}, Upload: f.up, Bucket: f.bkt, Now: time.Now}
}

func (f workerFixture) queue(id string, format export.Format) {
	j := export.Job{ID: id, Kind: "rows", Format: format, Owner: "u", Agency: "A", Status: export.Queued,
		Password: export.Password(), Filename: "x.zip", Created: time.Now()}
	if err := f.jobs.Create(context.Background(), j); err != nil {
		f.t.Fatal(err)
	}
}

func (f workerFixture) get(id string) export.Job {
	j, err := f.jobs.Get(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return j
}

func TestTooLargeJobsSaySo(t *testing.T) {
	f := newWorkerFixture(t)
	w := f.worker(rowsSource{n: 3000})
	w.MaxRows = 2500
	run := func(ctx context.Context, id string) export.Job {
		f.queue(id, export.XLSX)
		if err := w.Run(ctx, export.WorkerInput{JobID: id}); err != nil {
			t.Fatal(err)
		}
		return f.get(id)
	}
	if j := run(context.Background(), "too-many-rows"); j.Status != export.TooLarge || !strings.Contains(j.Error, "2500") {
		t.Errorf("over the row limit: %+v", j)
	}
	w.MaxRows = 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // less than the margin the worker keeps
	defer cancel()
	if j := run(ctx, "out-of-time"); j.Status != export.TooLarge || !strings.Contains(j.Error, "時限") {
		t.Errorf("out of time: %+v", j)
	}
}

// flakySource fails its first run, as a lost connection would.
type flakySource struct {
	rowsSource
	runs *int
}

func (s flakySource) Rows(ctx context.Context, p map[string]string, emit func([]string) error) error {
	*s.runs++
	if *s.runs == 1 {
		return fmt.Errorf("connection reset")
	}
	return s.rowsSource.Rows(ctx, p, emit)
}

type failing struct{ rowsSource }

func (failing) Rows(context.Context, map[string]string, func([]string) error) error {
	return fmt.Errorf("always down")
}

// A failed attempt goes back to the queue and Lambda's retry finishes the job;
// only a failure of the last attempt is recorded as the outcome.
func TestWorkerRetriesOnce(t *testing.T) {
	f := newWorkerFixture(t)
	runs := 0
	w := f.worker(flakySource{rowsSource{n: 10}, &runs})
	newJob, status := func(id string) { f.queue(id, export.CSV) }, f.get
	newJob("flaky")
	if err := w.Run(context.Background(), export.WorkerInput{JobID: "flaky"}); err == nil {
		t.Fatal("a failed first attempt must return its error, so Lambda retries")
	}
	if j := status("flaky"); j.Status != export.Queued {
		t.Fatalf("after a failed first attempt: %+v", j)
	}
	if err := w.Run(context.Background(), export.WorkerInput{JobID: "flaky"}); err != nil {
		t.Fatal(err)
	}
	if j := status("flaky"); j.Status != export.Done || j.Rows != 10 {
		t.Fatalf("after the retry: %+v", j)
	}
	broken := f.worker(failing{})
	newJob("broken")
	if err := broken.Run(context.Background(), export.WorkerInput{JobID: "broken"}); err == nil {
		t.Fatal("first attempt: want the error returned")
	}
	if err := broken.Run(context.Background(), export.WorkerInput{JobID: "broken"}); err != nil {
		t.Fatalf("the last attempt records the failure instead of returning it: %v", err)
	}
	if j := status("broken"); j.Status != export.Failed || j.Error == "" {
		t.Fatalf("after the last attempt: %+v", j)
	}
}

// Finding 5 of issue 13: a job whose worker died with no retry left stayed
// running for ever. The next look at it (the job or the list) ends it as
// failed with a reason; a job a run may still finish is left alone.
func TestStaleJobsEndAsFailedWhenLookedAt(t *testing.T) {
	f := newWorkerFixture(t)
	ctx := context.Background()
	start := time.Now()
	claim := func(id string, at time.Time) {
		if _, ok, err := f.jobs.Claim(ctx, id, at, export.Lease); err != nil || !ok {
			t.Fatalf("claim %s at %s: %v %v", id, at, ok, err)
		}
	}
	f.queue("dead", export.CSV) // both attempts died
	claim("dead", start)
	claim("dead", start.Add(export.Lease+time.Second))
	f.queue("retry-left", export.CSV) // one attempt died, Lambda's retry may still come
	claim("retry-left", start)
	f.queue("never-ran", export.CSV) // the invocation never arrived
	f.queue("live", export.CSV)
	later := start.Add(2*export.Lease + 2*time.Second)
	claim("live", later.Add(-time.Minute))

	caller := auth.Caller{UserID: "u", Active: agency.Agency{Code: "A"}}
	svc := &export.Service{Jobs: f.jobs, Now: func() time.Time { return later }}
	for id, want := range map[string]string{"dead": export.Failed, "retry-left": export.Running, "live": export.Running} {
		j, err := svc.Mine(ctx, caller, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != want || (want == export.Failed) != (j.Error == export.Stale) {
			t.Errorf("%s at lease+: %+v, want %s", id, j, want)
		}
		if stored := f.get(id); stored.Status != want {
			t.Errorf("%s stored as %s, want %s", id, stored.Status, want)
		}
	}
	// An hour and a lease after creation nothing can come any more: the list ends both.
	svc.Now = func() time.Time { return start.Add(time.Hour + export.Lease + time.Second) }
	list, err := svc.List(ctx, caller, "rows")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, j := range list {
		got[j.ID] = j.Status
	}
	for _, id := range []string{"retry-left", "never-ran"} {
		if got[id] != export.Failed || f.get(id).Error != export.Stale {
			t.Errorf("%s after the event age: listed %q, stored %+v", id, got[id], f.get(id))
		}
	}
	// A worker run that arrives afterwards does nothing.
	if _, ok, _ := f.jobs.Claim(ctx, "never-ran", time.Now(), export.Lease); ok {
		t.Error("a failed job was claimed again")
	}
}
