package imports_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

const extHeader = "身分證字號*,姓名*,訓練進修機構名稱*,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n"

// upload sends a file as the browser does: ask for a job, PUT to the
// presigned URL, then wait for the S3 notification to be handled.
func upload(t *testing.T, env *stacktest.Env, user, kind, name string, file []byte) imports.Job {
	t.Helper()
	r := env.As(t, user, "POST", "/api/imports", map[string]any{"kind": kind, "fileName": name, "size": len(file)})
	if r.Status != 201 {
		t.Fatalf("start upload: %d %s", r.Status, r.Body)
	}
	var up imports.Upload
	r.JSON(t, &up)
	env.PutUpload(t, up.URL, file)
	return job(t, env, user, up.Job.ID)
}

// staffOf returns the first n demo people of agency code or an agency below
// it: the people an upload of that agency may write for.
func staffOf(t *testing.T, env *stacktest.Env, code string, n int) []staff.Person {
	t.Helper()
	var home agency.Agency
	byCode := map[string]agency.Agency{}
	for _, a := range env.Data.Agencies {
		byCode[a.Code] = a
		if a.Code == code {
			home = a
		}
	}
	var out []staff.Person
	for _, p := range env.Data.People {
		if home.Contains(byCode[p.Agency]) && len(out) < n {
			out = append(out, p)
		}
	}
	if len(out) < n {
		t.Fatalf("%d people of %s, want %d", len(out), code, n)
	}
	return out
}

func job(t *testing.T, env *stacktest.Env, user, id string) imports.Job {
	t.Helper()
	var j imports.Job
	r := env.As(t, user, "GET", "/api/imports/jobs/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("job: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &j)
	return j
}

type nightly struct {
	ImportsStarted []string `json:"importsStarted"`
}

func fireNightly(t *testing.T, env *stacktest.Env) nightly {
	t.Helper()
	out, err := env.Fire(context.Background(), "Nightly", nil)
	if err != nil {
		t.Fatal(err)
	}
	env.WaitAsync()
	var n nightly
	if err := json.Unmarshal(out, &n); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return n
}

func big5(t *testing.T, s string) []byte {
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fetch(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// jobRecords lists the records an upload wrote, by reading each person's year.
func jobRecords(t *testing.T, env *stacktest.Env, jobID string, people []staff.Person, year int) []records.Record {
	t.Helper()
	var out []records.Record
	for _, p := range people {
		var recs []records.Record
		err := env.Tables.Records.Get("pk", "PERSON#"+p.ID).Range("sk", dynamo.BeginsWith, fmt.Sprintf("REC#%d#", year)).
			Filter("$ = ?", "job", jobID).All(context.Background(), &recs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, recs...)
	}
	return out
}

func TestLearnerHoursBig5EndToEnd(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 60, Classes: 5})
	p := staffOf(t, env, demo.MOI, 3)
	row := func(i int, person staff.Person, course string) string {
		return fmt.Sprintf("%s,%s,國家文官學院,%s,115/10/%02d,115/10/%02d,3111,6,1,2,,6,A,%d\r\n",
			person.NationalID, person.Name, course, 1+i, 1+i, 80+i)
	}
	file := extHeader +
		row(0, p[0], "英語簡報") +
		row(1, p[1], "英語簡報") +
		strings.Replace(row(2, p[2], "英語簡報"), ",6,1,2,", ",2.5,1,2,", 1) + // line 4: decimal hours
		row(3, p[0], "公文寫作") +
		"A123456788,王小明,國家文官學院,英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n" + // line 6: bad national ID
		row(0, p[0], "英語簡報") // line 7: same natural key as line 2
	j := upload(t, env, "moi.course", imports.HoursExternal, "時數.csv", big5(t, file))
	if j.Status != imports.Staged || j.Encoding != "Big5" || j.Rows != 6 || j.Failed != 3 || j.Waiting != 3 {
		t.Fatalf("staged job: %+v", j)
	}
	if got := jobRecords(t, env, j.ID, p, 2026); len(got) != 0 {
		t.Fatalf("records written before the nightly batch: %d", len(got))
	}

	// The failed rows, with their lines and reasons.
	var rows struct{ Items []imports.RowResult }
	env.As(t, "moi.course", "GET", "/api/imports/jobs/"+j.ID+"/rows?failed=1", nil).JSON(t, &rows)
	want := map[int]string{4: "小數", 6: "身分證字號", 7: "與第 2 行的資料重複"}
	if len(rows.Items) != len(want) {
		t.Fatalf("failed rows: %+v", rows.Items)
	}
	for _, r := range rows.Items {
		if !strings.Contains(r.Msg, want[r.Line]) || r.Status != imports.RowFailed {
			t.Errorf("line %d: %+v, want %q", r.Line, r, want[r.Line])
		}
	}

	// A duplicated notification stages nothing twice.
	env.Deliver(env.Getenv(settings.BucketUploads), fmt.Sprintf("imports/%s/%s/%s.csv", demo.MOI, imports.HoursExternal, j.ID), j.Size, "x")
	env.WaitNotifications()
	if again := job(t, env, "moi.course", j.ID); again.Status != imports.Staged || again.Rows != 6 || again.Runs != j.Runs {
		t.Fatalf("after a duplicated notification: %+v", again)
	}

	n := fireNightly(t, env)
	if len(n.ImportsStarted) != 1 {
		t.Fatalf("nightly started %v", n.ImportsStarted)
	}
	j = job(t, env, "moi.course", j.ID)
	if j.Status != imports.Done || j.Applied != 3 || j.Failed != 3 || j.Waiting != 0 {
		t.Fatalf("applied job: %+v", j)
	}
	recs := jobRecords(t, env, j.ID, p, 2026)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	// Each carries its learner's title and rank from the directory (P16).
	for _, r := range recs {
		for _, person := range p {
			if person.ID == r.PersonID && (r.Title != person.Title || r.Rank != person.Rank || r.Title == "") {
				t.Errorf("record of %s: title %q rank %q, want the directory's %q %q", r.PersonID, r.Title, r.Rank, person.Title, person.Rank)
			}
		}
	}
	// The batch fired again does nothing.
	if n := fireNightly(t, env); len(n.ImportsStarted) != 0 {
		t.Errorf("second nightly started %v", n.ImportsStarted)
	}
	if got := jobRecords(t, env, j.ID, p, 2026); len(got) != 3 {
		t.Errorf("%d records after a second batch", len(got))
	}

	// The result file: every row with 處理結果; the failed-rows file re-uploads.
	all := string(fetch(t, resultLink(t, env, "moi.course", j.ID, false)))
	if !strings.HasPrefix(all, "\uFEFF") || !strings.Contains(all, "處理結果") || strings.Count(all, "已寫入") != 3 ||
		strings.Count(all, "失敗：") != 3 {
		t.Errorf("result file:\n%s", all)
	}
	failed := string(fetch(t, resultLink(t, env, "moi.course", j.ID, true)))
	if strings.Count(failed, "\r\n") != 4 {
		t.Errorf("failed-rows file has %d lines:\n%s", strings.Count(failed, "\r\n"), failed)
	}
	fixed := strings.Replace(failed, ",2.5,", ",3,", 1)
	j2 := upload(t, env, "moi.course", imports.HoursExternal, "修正.csv", []byte(fixed))
	if j2.Status != imports.Staged || j2.Rows != 3 || j2.Waiting != 1 {
		t.Errorf("re-uploaded result file: %+v", j2)
	}
	var link struct{ URL string }
	env.As(t, "moi.course", "GET", "/api/imports/jobs/"+j.ID+"/original", nil).JSON(t, &link)
	if !bytes.Equal(fetch(t, link.URL), big5(t, file)) {
		t.Error("original file differs from the upload")
	}

	// Another agency sees none of it.
	if r := env.As(t, "tpe.admin", "GET", "/api/imports/jobs/"+j.ID, nil); r.Status != 404 {
		t.Errorf("another agency reads the job: %d", r.Status)
	}
	// The progress query finds it by text in the file (full-width digits too),
	// in the import worker.
	if found := search(t, env, "moi.course", strings.ReplaceAll(p[1].NationalID, "1", "１")); len(found) != 1 || found[0].ID != j.ID {
		t.Errorf("search by content: %+v", found)
	}
	if found := search(t, env, "moi.course", "找不到的字"); len(found) != 0 {
		t.Errorf("search for absent text: %+v", found)
	}
}

// resultLink asks for a job's result file as the screen does (POST, then
// follow the task the import worker runs) and answers its link.
func resultLink(t *testing.T, env *stacktest.Env, user, jobID string, failed bool) string {
	t.Helper()
	var v imports.ResultView
	r := env.As(t, user, "POST", "/api/imports/jobs/"+jobID+"/result", map[string]any{"failed": failed})
	r.JSON(t, &v)
	switch {
	case r.Status == 200 && v.URL != "": // the file of this job state was written before
		return v.URL
	case r.Status != 202 || v.ID == "" || v.Status != imports.TaskQueued:
		t.Fatalf("request result file: %d %s", r.Status, r.Body)
	}
	env.WaitAsync()
	r = env.As(t, user, "GET", "/api/imports/results/"+v.ID, nil)
	r.JSON(t, &v)
	if r.Status != 200 || v.Status != imports.TaskDone || v.URL == "" {
		t.Fatalf("result task: %d %s", r.Status, r.Body)
	}
	return v.URL
}

// search runs a text search of the progress query as the screen does.
func search(t *testing.T, env *stacktest.Env, user, text string) []imports.Job {
	t.Helper()
	var v imports.SearchView
	r := env.As(t, user, "POST", "/api/imports/searches", map[string]any{"q": text})
	if r.Status != 202 {
		t.Fatalf("request search: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &v)
	env.WaitAsync()
	r = env.As(t, user, "GET", "/api/imports/searches/"+v.ID, nil)
	r.JSON(t, &v)
	if r.Status != 200 || v.Status != imports.TaskDone || !strings.Contains(string(r.Body), `"items":[`) {
		t.Fatalf("search task: %d %s", r.Status, r.Body)
	}
	return v.Items
}

func TestFileProblems(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(extHeader + "A,B\r\n"))
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"header only", []byte(extHeader), "只有標題列"},
		{"utf-16", utf16, "UTF-16"},
		{"binary", []byte("PK\x03\x04\x00\x01\x02"), "不是文字檔"},
		{"wrong columns", []byte("姓名,電話\r\n王,1\r\n"), "缺少欄位"},
	} {
		j := upload(t, env, "moi.course", imports.HoursExternal, tc.name+".csv", tc.file)
		if j.Status != imports.Failed || !strings.Contains(j.FileError, tc.want) {
			t.Errorf("%s: %+v", tc.name, j)
		}
	}
	for _, tc := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"kind": imports.HoursExternal, "fileName": "a.csv", "size": 0}, "invalid_input"},
		{map[string]any{"kind": imports.HoursExternal, "fileName": "a.xlsx", "size": 10}, "invalid_input"},
		{map[string]any{"kind": imports.HoursExternal, "fileName": "a.csv", "size": imports.MaxSize + 1}, "invalid_input"},
		{map[string]any{"kind": "nope", "fileName": "a.csv", "size": 10}, "invalid_input"},
	} {
		if r := env.As(t, "moi.course", "POST", "/api/imports", tc.body); r.Status != 400 || r.Code() != tc.code {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	// A personnel officer without L6b may not upload learner hours of that kind.
	if r := env.As(t, "tpe.hr", "POST", "/api/imports", map[string]any{"kind": imports.HoursClass, "fileName": "a.csv", "size": 10}); r.Status != 403 {
		t.Errorf("upload without the function: %d %s", r.Status, r.Body)
	}
}

func manyRows(people []staff.Person, n int) string {
	var b strings.Builder
	b.WriteString(extHeader)
	for i := 0; i < n; i++ {
		p := people[i%len(people)]
		fmt.Fprintf(&b, "%s,%s,國家文官學院,課程%05d,115/09/01,115/09/01,3111,3,1,2,,,,\r\n", p.NationalID, p.Name, i)
	}
	return b.String()
}

// A file bigger than one invocation's slice continues in follow-ups.
func TestApplyContinuesInFollowUpInvocations(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 2, Env: map[string]string{settings.ImportSlice: "0.000001"}})
	p := staffOf(t, env, demo.MOI, 6)
	j := upload(t, env, "moi.course", imports.HoursExternal, "大檔.csv", []byte(manyRows(p, 3500)))
	if j.Status != imports.Staged || j.Waiting != 3500 {
		t.Fatalf("staged: %+v", j)
	}
	fireNightly(t, env)
	j = job(t, env, "moi.course", j.ID)
	if j.Status != imports.Done || j.Applied != 3500 || j.Runs < 4 {
		t.Fatalf("job after follow-ups: %+v (runs = invocations; 4 chunks need at least 4)", j)
	}
	if got := jobRecords(t, env, j.ID, p, 2026); len(got) != 3500 {
		t.Fatalf("%d records, want 3500", len(got))
	}
}

// The same natural key in different chunks of one file: the first line wins,
// the later ones fail naming it, and only the first is written.
func TestDuplicatesAcrossChunks(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 2})
	p := staffOf(t, env, demo.MOI, 6)
	lines := strings.SplitAfter(manyRows(p, 2100), "\r\n") // lines[0] is the header: lines[i] is file line i+1
	lines[1499], lines[2049] = lines[2], lines[1199]       // line 1500 repeats line 3, line 2050 line 1200
	j := upload(t, env, "moi.course", imports.HoursExternal, "重複.csv", []byte(strings.Join(lines, "")))
	if j.Status != imports.Staged || j.Rows != 2100 || j.Failed != 2 || j.Waiting != 2098 {
		t.Fatalf("staged: %+v", j)
	}
	var rows struct{ Items []imports.RowResult }
	env.As(t, "moi.course", "GET", "/api/imports/jobs/"+j.ID+"/rows?failed=1&chunks=5", nil).JSON(t, &rows)
	want := []imports.RowResult{
		{Line: 1500, Status: imports.RowFailed, Msg: "與第 3 行的資料重複（同一檔案中以先出現的一行為準）", Code: imports.CodeDuplicateRow},
		{Line: 2050, Status: imports.RowFailed, Msg: "與第 1200 行的資料重複（同一檔案中以先出現的一行為準）", Code: imports.CodeDuplicateRow},
	}
	if !reflect.DeepEqual(rows.Items, want) {
		t.Fatalf("failed rows %+v, want %+v", rows.Items, want)
	}
	fireNightly(t, env)
	if j = job(t, env, "moi.course", j.ID); j.Status != imports.Done || j.Applied != 2098 || j.Failed != 2 {
		t.Fatalf("applied: %+v", j)
	}
	if got := jobRecords(t, env, j.ID, p, 2026); len(got) != 2098 {
		t.Fatalf("%d records, want 2098", len(got))
	}
}

// crashAfterChunk0 writes the records of chunk 0 and fails every other
// chunk's write, but only once chunk 0's checkpoint is stored: whatever order
// the workers take the chunks in, the doomed run dies with exactly chunk 0
// applied and checkpointed, so the resume always starts from the checkpoint.
type crashAfterChunk0 struct {
	imports.RecordWriter
	jobs imports.Jobs
	id   string
}

func (c *crashAfterChunk0) WriteRecords(ctx context.Context, recs []records.Record) error {
	if chunkOf(recs[0]) == 0 {
		return c.RecordWriter.WriteRecords(ctx, recs)
	}
	for range 500 {
		if j, err := c.jobs.Get(ctx, c.id); err == nil && j.Next >= 1 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("simulated crash")
}

// counting counts the records written, by chunk.
type counting struct {
	imports.RecordWriter
	mu      sync.Mutex
	byChunk map[int]int
}

func (c *counting) WriteRecords(ctx context.Context, recs []records.Record) error {
	c.mu.Lock()
	for _, r := range recs {
		c.byChunk[chunkOf(r)]++
	}
	c.mu.Unlock()
	return c.RecordWriter.WriteRecords(ctx, recs)
}

func TestCrashMidApplyResumesExactlyOnce(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 2})
	p := staffOf(t, env, demo.MOI, 6)
	j := upload(t, env, "moi.course", imports.HoursExternal, "中斷.csv", []byte(manyRows(p, 2500)))
	if j.Status != imports.Staged || j.Waiting != 2500 {
		t.Fatalf("staged: %+v", j)
	}
	ctx := context.Background()
	jobs := imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}
	real := records.Repo{Table: env.Tables.Records}
	doomed := pipeline(t, env, nil, &crashAfterChunk0{RecordWriter: real, jobs: jobs, id: j.ID}, 0)
	if _, err := doomed.Apply(ctx, j.ID, "doomed"); err == nil || !strings.Contains(err.Error(), "simulated crash") {
		t.Fatalf("the doomed run: %v", err)
	}
	stored, err := jobs.Get(ctx, j.ID)
	if err != nil || stored.Next != 1 || stored.Chunks != 3 || stored.Owner != "doomed" {
		t.Fatalf("after the crash: %+v %v (want chunk 0 checkpointed, the claim held)", stored, err)
	}
	if got := jobRecords(t, env, j.ID, p, 2026); len(got) != imports.ChunkRows {
		t.Fatalf("after the crash: %d records, want chunk 0's %d", len(got), imports.ChunkRows)
	}
	// The nightly batch does not take over a live claim.
	if n := fireNightly(t, env); len(n.ImportsStarted) != 1 {
		t.Fatalf("nightly: %+v", n)
	}
	if got := job(t, env, "moi.course", j.ID); got.Status != imports.Applying {
		t.Fatalf("a live claim was taken over: %+v", got)
	}
	// The quarter-hourly sweep leaves a live claim alone…
	sweep := pipeline(t, env, nil, nil, 0)
	if ids, err := sweep.Stuck(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("sweep under a live lease: %v %v", ids, err)
	}
	// …its lease runs out (time passes): the sweep names it, and the next
	// run resumes from the checkpoint.
	if err := env.Tables.Directory.Update("pk", "IMPORT#"+j.ID).Range("sk", "JOB").
		Set("lease", time.Now().Add(-time.Second)).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if ids, err := sweep.Stuck(ctx); err != nil || !reflect.DeepEqual(ids, []string{j.ID}) {
		t.Fatalf("sweep after the lease ran out: %v %v", ids, err)
	}
	resume := &counting{RecordWriter: real, byChunk: map[int]int{}}
	if _, err := pipeline(t, env, nil, resume, 0).Apply(ctx, j.ID, "resume"); err != nil {
		t.Fatal(err)
	}
	if want := map[int]int{1: 1000, 2: 500}; !reflect.DeepEqual(resume.byChunk, want) {
		t.Fatalf("the resumed run wrote %v records by chunk, want %v (chunk 0 again, or a chunk skipped)", resume.byChunk, want)
	}
	j = job(t, env, "moi.course", j.ID)
	if j.Status != imports.Done || j.Rows != 2500 || j.Applied != 2500 || j.Failed != 0 || j.Waiting != 0 || j.Runs != stored.Runs+1 {
		t.Fatalf("resumed job: %+v", j)
	}
	if ids, err := sweep.Stuck(ctx); err != nil || len(ids) != 0 {
		t.Fatalf("sweep after the job is done: %v %v", ids, err)
	}
	// Every row became its own record, with the row's content (no row lost,
	// none written from another row).
	recs := jobRecords(t, env, j.ID, p, 2026)
	if len(recs) != 2500 {
		t.Fatalf("%d records, want 2500", len(recs))
	}
	rows := map[string]bool{}
	for _, r := range recs {
		var row int
		if _, err := fmt.Sscanf(r.CourseName, "課程%05d", &row); err != nil || row >= 2500 || r.PersonID != p[row%len(p)].ID ||
			r.Hours != 3 || r.Institution != "國家文官學院" || r.Start != "2026-09-01" || r.Job != j.ID {
			t.Fatalf("record %+v does not match row %d of the file", r, row)
		}
		rows[r.CourseName] = true
	}
	if len(rows) != 2500 {
		t.Fatalf("%d distinct rows among 2500 records", len(rows))
	}
}

func TestCatalogueUploads(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 4})
	year := env.Year() + 1
	existing := env.Data.Classes[0]
	courses := "課程代碼*,期別*,課程名稱*,課程類別代碼*,課程性質*,開課起始日期*,開課結束日期*,訓練總數*,訓練總數單位*,數位時數,實體時數,報名方式*,報名開始日期,報名結束日期,招收名額,額滿不再接受報名,學習費用,限某機關同仁報名,上課地點,上課縣市,科目,講師\n" +
		fmt.Sprintf("BULK-1,1,整批課程一,3111,2,%d-03-01,%d-03-02,2,2,,,2,%d-02-01,%d-02-20,40,Y,0,323*,臺北市,A,整批科目;資訊安全,整批講師\n", year, year, year, year) +
		fmt.Sprintf("%s,%s,撞號課程,3111,2,%d-03-01,%d-03-02,2,2,,,3,,,0,N,0,,臺北市,A,,\n", existing.CourseCode, existing.Session, year, year) +
		fmt.Sprintf("BULK-2,1,壞限制,3111,2,%d-03-01,%d-03-02,2,2,,,3,,,0,N,0,32A*;;*,臺北市,A,,\n", year, year)
	j := upload(t, env, "moi.course", imports.Courses, "課程.csv", []byte(courses))
	if j.Status != imports.Staged || j.Failed != 2 || j.Waiting != 1 {
		t.Fatalf("courses staged: %+v", j)
	}
	fireNightly(t, env)
	fireNightly(t, env)
	if j = job(t, env, "moi.course", j.ID); j.Status != imports.Done || j.Applied != 1 {
		t.Fatalf("courses applied: %+v", j)
	}
	var c map[string]any
	env.As(t, "moi.course", "GET", "/api/courses/BULK-1/1", nil).JSON(t, &c)
	if c["hours"] != float64(12) || c["restriction"] != "323*" || len(c["lecturers"].([]any)) != 1 {
		t.Errorf("uploaded course: %v", c)
	}
	lect := "講師姓名*,可授科目1*,可授科目2,可授科目3,專長代碼,現職,最高學歷,經歷,電話,電子郵件,地址,身分證字號,是否公開,備註\n" +
		"整批甲講師,資訊安全,,,E08,教授,,,,,,,Y,\n" +
		"整批乙講師,,,,,,,,,,,,N,\n" + // no 可授科目1
		"整批丙講師,公文寫作,,,E99,,,,,,,,N,\n" // unknown expertise
	j = upload(t, env, "moi.course", imports.Lecturers, "講師.csv", []byte(lect))
	fireNightly(t, env)
	if j = job(t, env, "moi.course", j.ID); j.Status != imports.Done || j.Applied != 1 || j.Failed != 2 {
		t.Fatalf("lecturers: %+v", j)
	}
	r := env.As(t, "tpe.admin", "GET", "/api/lecturer-db?name=整批", nil)
	if !strings.Contains(string(r.Body), "整批甲講師") || strings.Contains(string(r.Body), "整批丙講師") {
		t.Errorf("uploaded public lecturer: %s", r.Body)
	}
}

// Finding 4 of issue 13: the result file repeated every cell as uploaded,
// formulas included, and a header could carry one too. Formula-like text is
// accepted as text (as the JSON routes accept it, issue 27) and every file
// written neutralises it.
func TestResultFileNeutralisesEveryCell(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	p := env.Data.People[0]
	file := strings.TrimSuffix(extHeader, "\r\n") + ",@備註\r\n" +
		fmt.Sprintf("%s,%s,國家文官學院,英語,115/10/01,115/10/01,3111,6,1,2,,6,,,-3\r\n", p.NationalID, p.Name) +
		fmt.Sprintf("%s,%s,+1+cmd|' /C calc'!A0,英語,115/10/02,115/10/02,3111,6,1,2,,6,,,=1+2\r\n", p.NationalID, p.Name) +
		"A123456788,王小明,@SUM(A1),英語,115/10/03,115/10/03,3111,6,1,2,,6,,,=1+2\r\n" // fails: its national ID
	j := upload(t, env, "moi.course", imports.HoursExternal, "公式.csv", []byte(file))
	if j.Status != imports.Staged || j.Rows != 3 || j.Failed != 1 {
		t.Fatalf("staged job: %+v", j)
	}
	for _, failedOnly := range []string{"", "?failed=1"} {
		url := resultLink(t, env, "moi.course", j.ID, failedOnly != "")
		got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(fetch(t, url), []byte("\uFEFF")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		for i, row := range got {
			for _, cell := range row {
				if csvtext.Formula(cell) {
					t.Errorf("result%s line %d: cell %q would run as a formula", failedOnly, i+1, cell)
				}
			}
		}
		text := fmt.Sprint(got)
		if !strings.Contains(text, "'@SUM(A1)") || !strings.Contains(text, "'@備註") || !strings.Contains(text, "'=1+2") ||
			(failedOnly == "" && !strings.Contains(text, "'+1+cmd|' /C calc'!A0")) {
			t.Errorf("result%s: formula-like cells not kept as neutral text: %v", failedOnly, got)
		}
		if failedOnly == "" && !strings.Contains(text, " -3 ") {
			t.Errorf("result: the number -3 did not stay a number: %v", got)
		}
	}
}

// Finding 5 of issue 13: a 600 KB file with 100,000 header columns made the
// job item outgrow 400 KB and the job stayed staging for ever.
func TestAHugeHeaderEndsAsAFileError(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	header := strings.TrimSuffix(extHeader, "\r\n")
	var b strings.Builder
	b.WriteString(header)
	for i := 0; b.Len() < 600<<10; i++ {
		fmt.Fprintf(&b, ",x%d", i)
	}
	b.WriteString("\r\n")
	j := upload(t, env, "moi.course", imports.HoursExternal, "寬.csv", []byte(b.String()))
	if j.Status != imports.Failed || !strings.Contains(j.FileError, "超過上限") {
		t.Fatalf("job: status %s, reason %q", j.Status, j.FileError)
	}
}

// A staging run that died (its lease expired) ends as failed with a reason
// the next time anyone looks at the job, in the job and in the list; a live
// staging run is left alone.
func TestStaleStagingEndsAsFailedWhenLookedAt(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	ctx := context.Background()
	jobs := imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}
	now := time.Now()
	for id, lease := range map[string]time.Time{"dead-stage": now.Add(-time.Minute), "live-stage": now.Add(10 * time.Minute)} {
		err := jobs.Create(ctx, imports.Job{ID: id, Kind: imports.HoursExternal, Agency: demo.MOI, User: "moi.course",
			FileName: id + ".csv", Key: "imports/" + demo.MOI + "/" + imports.HoursExternal + "/" + id + ".csv",
			Status: imports.Staging, Owner: "run-1", Lease: lease, Created: now.Add(-20 * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
	}
	if j := job(t, env, "moi.course", "dead-stage"); j.Status != imports.Failed || j.FileError != imports.StaleStaging {
		t.Errorf("dead staging run: %+v", j)
	}
	if j := job(t, env, "moi.course", "live-stage"); j.Status != imports.Staging {
		t.Errorf("live staging run: %+v", j)
	}
	if stored, err := jobs.Get(ctx, "dead-stage"); err != nil || stored.Status != imports.Failed || !stored.Finished.After(now.Add(-time.Second)) {
		t.Errorf("stored: %+v %v", stored, err)
	}
	// The list settles too.
	if err := jobs.Create(ctx, imports.Job{ID: "dead-2", Kind: imports.HoursExternal, Agency: demo.MOI, User: "moi.course",
		FileName: "d.csv", Key: "imports/x/y/dead-2.csv", Status: imports.Staging, Owner: "run-1",
		Lease: now.Add(-time.Second), Created: now.Add(-time.Minute)}); err != nil {
		t.Fatal(err)
	}
	var list struct{ Items []imports.Job }
	env.As(t, "moi.admin", "GET", "/api/imports/jobs", nil).JSON(t, &list)
	found := false
	for _, j := range list.Items {
		if j.ID == "dead-2" {
			found = true
			if j.Status != imports.Failed || j.FileError != imports.StaleStaging {
				t.Errorf("listed: %+v", j)
			}
		}
	}
	if !found {
		t.Errorf("dead-2 not listed: %+v", list.Items)
	}
}

// Finding 9 of issue 13: the import never compared the size the upload was
// asked for with the object that arrived.
func TestAFileOfAnotherSizeIsRefused(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	p := env.Data.People[0]
	file := []byte(extHeader + fmt.Sprintf("%s,%s,國家文官學院,英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n", p.NationalID, p.Name))
	r := env.As(t, "moi.course", "POST", "/api/imports", map[string]any{"kind": imports.HoursExternal, "fileName": "a.csv", "size": len(file) + 7})
	if r.Status != 201 {
		t.Fatalf("start upload: %d %s", r.Status, r.Body)
	}
	var up imports.Upload
	r.JSON(t, &up)
	e := settings.New(env.Getenv)
	cfg, _ := settings.AWS(context.Background(), e)
	files := blob.Open(cfg, e, settings.BucketUploads)
	key := fmt.Sprintf("%s%s/%s/%s.csv", imports.KeyPrefix, demo.MOI, imports.HoursExternal, up.Job.ID)
	if err := files.Put(context.Background(), files.Uploads, key, "text/csv", bytes.NewReader(file)); err != nil {
		t.Fatal(err)
	}
	env.WaitNotifications()
	j := job(t, env, "moi.course", up.Job.ID)
	if j.Status != imports.Failed || !strings.Contains(j.FileError, "不符") || !strings.Contains(j.FileError, fmt.Sprint(len(file))) {
		t.Errorf("job: %s %q", j.Status, j.FileError)
	}
}

// unreachable is an uploads bucket that cannot be read.
type unreachable struct{}

func (unreachable) Open(context.Context, string, string, string) (io.ReadCloser, string, error) {
	return nil, "", errors.New("connection refused")
}

// The staging run dies (here: S3 unreachable, and the notification is not
// retried any more): the next nightly batch ends the job as failed with a
// reason, without anyone opening it.
func TestNightlyEndsAStagingRunThatDied(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	jobs := imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}
	key := fmt.Sprintf("%s%s/%s/%s.csv", imports.KeyPrefix, demo.MOI, imports.HoursExternal, "died")
	if err := jobs.Create(ctx, imports.Job{ID: "died", Kind: imports.HoursExternal, Agency: demo.MOI, FileName: "d.csv",
		Key: key, Size: 10, Status: imports.Uploading, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	p := &imports.Pipeline{Jobs: jobs, Files: unreachable{}, Bucket: "uploads", Now: time.Now}
	if _, err := p.Stage(ctx, key, "etag", 10, "run-1"); err == nil {
		t.Fatal("staging with S3 unreachable succeeded")
	}
	if j, _ := jobs.Get(ctx, "died"); j.Status != imports.Staging {
		t.Fatalf("after the failed run: %+v", j)
	}
	if _, err := p.Queued(ctx); err != nil { // the nightly batch, within the lease: nothing ends
		t.Fatal(err)
	}
	if j, _ := jobs.Get(ctx, "died"); j.Status != imports.Staging {
		t.Fatalf("ended within its lease: %+v", j)
	}
	p.Now = func() time.Time { return time.Now().Add(16 * time.Minute) }
	if _, err := p.Queued(ctx); err != nil {
		t.Fatal(err)
	}
	if j, _ := jobs.Get(ctx, "died"); j.Status != imports.Failed || j.FileError != imports.StaleStaging {
		t.Errorf("after the nightly batch: %+v", j)
	}
}
