package imports_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
)

// The progress query's text search and the result files run in the import
// worker (issue 19): the API records a task and answers at once; the screen
// follows it; only its requester, in the agency they asked from, sees it.
func TestImportTasks(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	p := env.Data.People[:2]
	// The course name is written full-width in the file; the officer types it half-width.
	file := extHeader +
		fmt.Sprintf("%s,%s,國家文官學院,ＡＩ應用１０１,115/10/01,115/10/01,3111,6,1,2,,6,A,80\r\n", p[0].NationalID, p[0].Name) +
		"A123456788,王小明,國家文官學院,英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n"
	j := upload(t, env, "moi.course", imports.HoursExternal, "全形.csv", []byte(file))
	if j.Status != imports.Staged || j.Rows != 2 || j.Failed != 1 {
		t.Fatalf("staged job: %+v", j)
	}
	other := upload(t, env, "moi.course", imports.HoursExternal, "其他.csv",
		[]byte(extHeader+fmt.Sprintf("%s,%s,國家文官學院,英語,115/10/02,115/10/02,3111,6,1,2,,6,A,80\r\n", p[1].NationalID, p[1].Name)))

	for _, text := range []string{"AI應用101", "ＡＩ應用１０１", " AI應用１01 "} {
		if found := search(t, env, "moi.course", text); len(found) != 1 || found[0].ID != j.ID {
			t.Errorf("search %q: %+v", text, found)
		}
	}
	if found := search(t, env, "moi.course", p[1].NationalID); len(found) != 1 || found[0].ID != other.ID {
		t.Errorf("search by national ID: %+v", found)
	}

	// P4 alone (薦送報名上傳進度查詢) searches nomination jobs only, whatever kind it names.
	if r := env.As(t, "moi.admin", "POST", "/api/members", map[string]any{"id": "moi.nominate", "name": "薦送專員", "email": "",
		"title": "科員", "agency": demo.MOI, "serves": []string{}, "grants": map[string][]string{demo.MOI: {"P4"}}}); r.Status/100 != 2 {
		t.Fatalf("add a P4-only officer: %d %s", r.Status, r.Body)
	}
	var p4 imports.SearchView
	env.As(t, "moi.nominate", "POST", "/api/imports/searches", map[string]any{"q": p[1].NationalID, "kind": imports.HoursExternal}).JSON(t, &p4)
	env.WaitAsync()
	env.As(t, "moi.nominate", "GET", "/api/imports/searches/"+p4.ID, nil).JSON(t, &p4)
	if p4.Kind != imports.Nominations || p4.Status != imports.TaskDone || len(p4.Items) != 0 {
		t.Errorf("a P4-only search: %+v", p4)
	}

	// The list itself stays synchronous and reads no file; a text on it is refused.
	if r := env.As(t, "moi.course", "GET", "/api/imports/jobs?q=AI", nil); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"q"`) {
		t.Errorf("list with q: %d %s", r.Status, r.Body)
	}
	for _, body := range []map[string]any{{"q": "  "}, {"q": strings.Repeat("字", imports.MaxSearchText+1)}, {"q": "x", "kind": "nope"}, {"q": "x", "from": "115/13/01"}} {
		if r := env.As(t, "moi.course", "POST", "/api/imports/searches", body); r.Status != 400 {
			t.Errorf("search %v: %d %s", body, r.Status, r.Body)
		}
	}

	// A search task, a result task: another agency, another officer of the
	// same agency, and the other route get 404.
	var s imports.SearchView
	env.As(t, "moi.course", "POST", "/api/imports/searches", map[string]any{"q": "英語"}).JSON(t, &s)
	var res imports.ResultView
	r := env.As(t, "moi.course", "POST", "/api/imports/jobs/"+j.ID+"/result", map[string]any{"failed": true})
	if r.Status != 202 {
		t.Fatalf("result request: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &res)
	env.WaitAsync()
	for _, tc := range []struct{ user, path string }{
		{"tpe.admin", "/api/imports/searches/" + s.ID},
		{"tpe.admin", "/api/imports/results/" + res.ID},
		{"moi.admin", "/api/imports/searches/" + s.ID},
		{"moi.admin", "/api/imports/results/" + res.ID},
		{"moi.course", "/api/imports/searches/" + res.ID},
		{"moi.course", "/api/imports/results/" + s.ID},
		{"moi.course", "/api/imports/results/nothing"},
	} {
		if r := env.As(t, tc.user, "GET", tc.path, nil); r.Status != 404 {
			t.Errorf("%s GET %s: %d %s", tc.user, tc.path, r.Status, r.Body)
		}
	}
	if r := env.As(t, "tpe.admin", "POST", "/api/imports/jobs/"+j.ID+"/result", map[string]any{}); r.Status != 404 {
		t.Errorf("another agency asks for the result file: %d %s", r.Status, r.Body)
	}

	// Done: the link; asked again for the same job state, the link at once.
	env.As(t, "moi.course", "GET", "/api/imports/results/"+res.ID, nil).JSON(t, &res)
	if res.Status != imports.TaskDone || res.URL == "" || res.Filename != "全形_失敗資料.csv" {
		t.Fatalf("result task: %+v", res)
	}
	first := fetch(t, res.URL)
	if !strings.Contains(string(first), "失敗：") || strings.Contains(string(first), "ＡＩ應用") {
		t.Errorf("failed-rows file:\n%s", first)
	}
	var again imports.ResultView
	r = env.As(t, "moi.course", "POST", "/api/imports/jobs/"+j.ID+"/result", map[string]any{"failed": true})
	r.JSON(t, &again)
	if r.Status != 200 || again.URL == "" || again.ID != "" || objectKey(t, again.URL) != objectKey(t, res.URL) {
		t.Errorf("the same file asked again: %d %s", r.Status, r.Body)
	}

	// A run that died holding a task is taken over by Lambda's retry, which
	// writes the same object again.
	tasks := imports.Tasks{Table: env.Tables.Directory}
	dead := imports.Task{ID: "deadrun0000000001", Type: imports.TaskResult, Agency: demo.MOI, Owner: "moi.course",
		Status: imports.TaskRunning, Job: j.ID, FailedOnly: true, Attempts: 1,
		Created: env.Now().Add(-20 * time.Minute).UTC(), Started: env.Now().Add(-imports.TaskLease - time.Minute).UTC()}
	if err := tasks.Create(context.Background(), dead); err != nil {
		t.Fatal(err)
	}
	invokeWorker(t, env, dead.ID)
	var taken imports.ResultView
	env.As(t, "moi.course", "GET", "/api/imports/results/"+dead.ID, nil).JSON(t, &taken)
	if taken.Status != imports.TaskDone || objectKey(t, taken.URL) != objectKey(t, res.URL) || !bytes.Equal(fetch(t, taken.URL), first) {
		t.Errorf("taken-over task: %+v", taken)
	}
	// Invoked once more (a duplicated event), the finished task stays as it was.
	before, _ := tasks.Get(context.Background(), dead.ID)
	invokeWorker(t, env, dead.ID)
	if after, _ := tasks.Get(context.Background(), dead.ID); !after.Finished.Equal(before.Finished) || after.Attempts != 2 {
		t.Errorf("a duplicated invocation ran the task again: %+v", after)
	}

	// A task expires: the item carries a TTL a day after it was made.
	var item struct {
		TTL int64 `dynamo:"ttl"`
	}
	if err := env.Tables.Directory.Get("pk", "IMPORTTASK#"+s.ID).Range("sk", dynamo.Equal, "TASK").One(context.Background(), &item); err != nil {
		t.Fatal(err)
	}
	if want := s.Created.Add(imports.TaskKeep).Unix(); item.TTL != want {
		t.Errorf("ttl %d, want %d", item.TTL, want)
	}

	// A refused file has no result file: 409 at once, no task.
	bad := upload(t, env, "moi.course", imports.HoursExternal, "壞.csv", []byte("姓名,電話\r\n王,1\r\n"))
	if r := env.As(t, "moi.course", "POST", "/api/imports/jobs/"+bad.ID+"/result", map[string]any{}); r.Status != 409 {
		t.Errorf("result of a refused file: %d %s", r.Status, r.Body)
	}
}

// A task whose time ran out before any run finished it is shown failed.
func TestImportTaskStale(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 5, Classes: 1})
	old := env.Now().Add(-3 * time.Hour).UTC()
	id := "stalequeued000001"
	err := imports.Tasks{Table: env.Tables.Directory}.Create(context.Background(), imports.Task{ID: id, Type: imports.TaskSearch,
		Agency: demo.MOI, Owner: "moi.course", Status: imports.TaskQueued, Text: "x", From: old, To: env.Now(), Created: old})
	if err != nil {
		t.Fatal(err)
	}
	var v imports.SearchView
	env.As(t, "moi.course", "GET", "/api/imports/searches/"+id, nil).JSON(t, &v)
	if v.Status != imports.TaskFailed || v.Error != imports.StaleTask {
		t.Errorf("stale task: %+v", v)
	}
}

// objectKey is the object a presigned link reads.
func objectKey(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// invokeWorker runs the import worker synchronously, through the stack's
// Lambda Invoke API (as Lambda's retry would).
func invokeWorker(t *testing.T, env *stacktest.Env, id string) {
	t.Helper()
	resp, err := http.Post(env.URL+"/2015-03-31/functions/ImportWorkerFunction/invocations", "application/json",
		strings.NewReader(`{"jobId":"`+id+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("X-Amz-Function-Error") != "" {
		t.Fatalf("invoke worker: %d %s", resp.StatusCode, resp.Header.Get("X-Amz-Function-Error"))
	}
}
