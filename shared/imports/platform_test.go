package imports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// platformRecord is one record of a batch as a platform sends it.
func platformRecord(id string, p staff.Person, course string, total int) map[string]any {
	return map[string]any{"recordId": id, "nationalId": p.NationalID, "name": p.Name, "courseName": course,
		"start": "2026-10-01", "end": "2026-10-02", "category": "3111", "total": total, "unit": "1", "nature": "1"}
}

type batchAnswer struct {
	Job      imports.Job `json:"job"`
	Replayed bool        `json:"replayed"`
	Records  []struct {
		Index    int    `json:"index"`
		RecordID string `json:"recordId"`
		Status   string `json:"status"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		Change   string `json:"change"`
	} `json:"records"`
}

func sendBatch(t *testing.T, env *stacktest.Env, token, batch string, recs ...map[string]any) (stacktest.Response, batchAnswer) {
	t.Helper()
	r := env.Do(t, "POST", "/api/platform/records", token, map[string]any{"batchId": batch, "records": recs})
	var a batchAnswer
	if r.Status < 300 {
		r.JSON(t, &a)
	}
	return r, a
}

func platformJob(t *testing.T, env *stacktest.Env, token, id string) batchAnswer {
	t.Helper()
	r := env.Do(t, "GET", "/api/platform/jobs/"+id, token, nil)
	if r.Status != 200 {
		t.Fatalf("platform job: %d %s", r.Status, r.Body)
	}
	var a batchAnswer
	r.JSON(t, &a)
	return a
}

// platformRecords lists a person's records of 2026 that a platform wrote.
func platformRecords(t *testing.T, env *stacktest.Env, p staff.Person) []records.Record {
	t.Helper()
	var recs []records.Record
	err := env.Tables.Records.Get("pk", "PERSON#"+p.ID).Range("sk", dynamo.BeginsWith, "REC#").
		Filter("begins_with($, ?)", "id", "P#").All(context.Background(), &recs)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// The whole life of a platform client through the local stack: registered
// by a system administrator (the secret shown once), a token, a batch,
// applied at night (新增), the same record ids again (更新, never a second
// record), the job in L1, a replay answered from the first, and a revoke
// that ends the token at once.
func TestPlatformClientLifecycle(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 2})
	p := staffOf(t, env, demo.MOI, 3) // the client is 內政部's, not national

	r := env.As(t, "sys.admin", "POST", "/api/platform-clients", map[string]any{"name": "地方研習e學中心", "agency": demo.MOI})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var reg struct {
		Client struct{ ID, Name, Agency, State string }
		Secret string
	}
	r.JSON(t, &reg)
	if !strings.HasPrefix(reg.Client.ID, "plc-") || len(reg.Secret) < 40 || reg.Client.State != "active" {
		t.Fatalf("registered: %s", r.Body)
	}
	if r := env.As(t, "moi.admin", "POST", "/api/platform-clients", map[string]any{"name": "x", "agency": demo.MOI}); r.Status != 403 {
		t.Fatalf("an agency's administrator registered a platform: %d %s", r.Status, r.Body)
	}
	list := env.As(t, "sys.admin", "GET", "/api/platform-clients", nil)
	if list.Status != 200 || !strings.Contains(string(list.Body), reg.Client.ID) ||
		strings.Contains(string(list.Body), reg.Secret) || strings.Contains(string(list.Body), "ecret") {
		t.Fatalf("list shows the secret or its hash, or misses the client: %s", list.Body)
	}

	// The token: HTTP Basic and form credentials alike.
	tr := env.PlatformToken(t, reg.Client.ID, reg.Secret)
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	tr.JSON(t, &tok)
	if tr.Status != 200 || tok.TokenType != "Bearer" || tok.ExpiresIn != 900 || tok.AccessToken == "" || tr.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token: %d %s %v", tr.Status, tr.Body, tr.Header)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {reg.Client.ID}, "client_secret": {reg.Secret}}
	if r := postForm(t, env, form, "", ""); r.Status != 200 {
		t.Fatalf("form credentials: %d %s", r.Status, r.Body)
	}
	token := tok.AccessToken
	if r := env.Do(t, "GET", "/api/me", token, nil); r.Status != 403 {
		t.Fatalf("a platform token reached /api/me: %d %s", r.Status, r.Body)
	}

	// A batch: staged at once, applied at night.
	first := []map[string]any{platformRecord("EL-1", p[0], "資訊安全概論", 2), platformRecord("EL-2", p[1], "公文寫作", 3)}
	r, a := sendBatch(t, env, token, "b-1", first...)
	if r.Status != 202 || a.Job.Status != imports.Staged || a.Job.Kind != imports.Platform || len(a.Records) != 2 ||
		a.Records[0].Status != imports.RowWaiting || a.Records[1].RecordID != "EL-2" {
		t.Fatalf("first batch: %d %s", r.Status, r.Body)
	}
	if got := platformRecords(t, env, p[0]); len(got) != 0 {
		t.Fatalf("records written before the night: %+v", got)
	}
	fireNightly(t, env)
	done := platformJob(t, env, token, a.Job.ID)
	if done.Job.Status != imports.Done || done.Job.Applied != 2 {
		t.Fatalf("after the night: %+v", done)
	}
	for i, rec := range done.Records {
		if rec.Status != imports.RowApplied || rec.Change != imports.ChangeAdded || rec.RecordID != first[i]["recordId"] {
			t.Fatalf("first batch applied: %+v", done.Records)
		}
	}
	got := platformRecords(t, env, p[0])
	if len(got) != 1 || got[0].Hours != 2 || got[0].Institution != "地方研習e學中心" || got[0].Source != records.SourceExternal {
		t.Fatalf("p0's records: %+v", got)
	}
	created := got[0].Created

	// The same record ids again, corrected: updates, never duplicates; a
	// third record is new.
	second := []map[string]any{platformRecord("EL-1", p[0], "資訊安全概論（修正）", 4), platformRecord("EL-3", p[2], "英語簡報", 1)}
	r, a2 := sendBatch(t, env, token, "b-2", second...)
	if r.Status != 202 || a2.Job.ID == a.Job.ID {
		t.Fatalf("second batch: %d %s", r.Status, r.Body)
	}
	fireNightly(t, env)
	done2 := platformJob(t, env, token, a2.Job.ID)
	if len(done2.Records) != 2 || done2.Records[0].Change != imports.ChangeUpdated || done2.Records[1].Change != imports.ChangeAdded {
		t.Fatalf("second batch: %+v", done2.Records)
	}
	got = platformRecords(t, env, p[0])
	if len(got) != 1 || got[0].Hours != 4 || got[0].CourseName != "資訊安全概論（修正）" || !got[0].Created.Equal(created) {
		t.Fatalf("after the resend, p0 has %+v (want one record, updated, first creation kept)", got)
	}

	// A replay is answered from the first sending, not staged again; the
	// same batch id with other content is refused.
	r, replay := sendBatch(t, env, token, "b-2", second...)
	if r.Status != 200 || !replay.Replayed || replay.Job.ID != a2.Job.ID || replay.Job.Runs != done2.Job.Runs || len(replay.Records) != 2 {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	if r, _ := sendBatch(t, env, token, "b-2", first...); r.Status != 409 || r.Code() != "conflict" {
		t.Fatalf("the same batch id, other content: %d %s", r.Status, r.Body)
	}
	fireNightly(t, env)
	if got := platformRecords(t, env, p[0]); len(got) != 1 || got[0].Hours != 4 {
		t.Fatalf("after the replay and another night: %+v", got)
	}

	// L1: the owning agency's officers see the jobs, as 自動時數上傳.
	l1 := env.As(t, "moi.admin", "GET", "/api/imports/jobs?kind=platform", nil)
	if l1.Status != 200 || !strings.Contains(string(l1.Body), a.Job.ID) || !strings.Contains(string(l1.Body), a2.Job.ID) {
		t.Fatalf("L1: %d %s", l1.Status, l1.Body)
	}
	rows := env.As(t, "moi.admin", "GET", "/api/imports/jobs/"+a2.Job.ID+"/rows", nil)
	if rows.Status != 200 || !strings.Contains(string(rows.Body), `"change":"updated"`) {
		t.Fatalf("L1 rows: %d %s", rows.Status, rows.Body)
	}
	if r := env.As(t, "tpe.admin", "GET", "/api/imports/jobs/"+a2.Job.ID, nil); r.Status != 404 {
		t.Fatalf("another agency saw the job: %d %s", r.Status, r.Body)
	}
	// Officers cannot start a platform job themselves.
	if r := env.As(t, "moi.admin", "POST", "/api/imports", map[string]any{"kind": imports.Platform, "fileName": "x.csv", "size": 10}); r.Status != 400 {
		t.Fatalf("an officer started a platform job: %d %s", r.Status, r.Body)
	}

	// Revoked: the token it holds stops at once, and no new one is issued.
	if r := env.As(t, "sys.admin", "POST", "/api/platform-clients/"+reg.Client.ID+"/revoke", nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	if r, _ := sendBatch(t, env, token, "b-3", platformRecord("EL-9", p[0], "x", 1)); r.Status != 401 || r.Code() != "unauthenticated" {
		t.Fatalf("a revoked client's token: %d %s", r.Status, r.Body)
	}
	if r := env.PlatformToken(t, reg.Client.ID, reg.Secret); r.Status != 401 || !strings.Contains(string(r.Body), `"error":"invalid_client"`) {
		t.Fatalf("a revoked client's token request: %d %s", r.Status, r.Body)
	}
}

func postForm(t *testing.T, env *stacktest.Env, form url.Values, user, pass string) stacktest.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", env.URL+"/api/platform/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return stacktest.Response{Status: resp.StatusCode, Body: []byte(b.String()), Header: resp.Header}
}

// The token endpoint's refusals are RFC 6749 §5.2's.
func TestPlatformTokenErrors(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	ok := url.Values{"grant_type": {"client_credentials"}}
	cases := []struct {
		name       string
		form       url.Values
		user, pass string
		status     int
		error      string
	}{
		{"wrong secret", ok, demo.PlatformID, "nope", 401, "invalid_client"},
		{"unknown client", ok, "plc-nobody", demo.PlatformSecret, 401, "invalid_client"},
		{"no credentials", ok, "", "", 401, "invalid_client"},
		{"password grant", url.Values{"grant_type": {"password"}}, demo.PlatformID, demo.PlatformSecret, 400, "unsupported_grant_type"},
		{"no grant type", url.Values{}, demo.PlatformID, demo.PlatformSecret, 400, "invalid_request"},
		{"both Basic and form credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {demo.PlatformID}},
			demo.PlatformID, demo.PlatformSecret, 400, "invalid_request"},
	}
	for _, c := range cases {
		r := postForm(t, env, c.form, c.user, c.pass)
		if r.Status != c.status || !strings.Contains(string(r.Body), `"error":"`+c.error+`"`) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.error)
		}
		if c.status == 401 && c.user != "" && r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	// JSON is not the grant's body.
	if r := env.Do(t, "POST", "/api/platform/token", "", map[string]string{"grant_type": "client_credentials"}); r.Status != 400 ||
		!strings.Contains(string(r.Body), "invalid_request") {
		t.Errorf("JSON body: %d %s", r.Status, r.Body)
	}
}

// Bad batches: each record gets its own result and code; what cannot be a
// batch at all is refused whole, and nothing is staged.
func TestPlatformBadBatches(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	p := env.Data.People
	known := map[string]bool{}
	for _, q := range p {
		known[q.NationalID] = true
	}
	stranger := staff.Person{Name: "路人甲"}
	for r := rand.New(rand.NewPCG(1, 2)); stranger.NationalID == "" || known[stranger.NationalID]; {
		stranger.NationalID = nid.Generate(r, 1)
	}
	noCourse := platformRecord("R-2", p[1], "", 2)
	badNID := platformRecord("R-3", p[2], "課程", 2)
	badNID["nationalId"] = "A123"
	blended := platformRecord("R-5", p[4], "課程", 2)
	blended["nature"] = "3"
	r, a := sendBatch(t, env, token, "bad-1",
		platformRecord("R-1", p[0], "課程", 2), noCourse, badNID, platformRecord("R-4", stranger, "課程", 2), blended,
		platformRecord("R-1", p[5], "另一課程", 1), platformRecord("", p[6], "課程", 1))
	if r.Status != 202 || len(a.Records) != 7 {
		t.Fatalf("mixed batch: %d %s", r.Status, r.Body)
	}
	want := []struct{ status, code, text string }{
		{imports.RowWaiting, "", ""},
		{imports.RowFailed, imports.CodeInvalidRow, "請填寫課程名稱"},
		{imports.RowFailed, imports.CodeInvalidRow, "身分證字號"},
		{imports.RowFailed, imports.CodeUnknownPerson, "查無身分證字號"},
		{imports.RowFailed, imports.CodeInvalidRow, "混成學習"},
		{imports.RowFailed, imports.CodeDuplicateRecord, "與本批次第 1 筆紀錄重複"},
		{imports.RowFailed, imports.CodeMissingRecordID, "請填寫平台紀錄編號"},
	}
	for i, w := range want {
		got := a.Records[i]
		if got.Index != i || got.Status != w.status || got.Code != w.code || !strings.Contains(got.Message, w.text) {
			t.Errorf("record %d: %+v, want %s %s %q", i, got, w.status, w.code, w.text)
		}
		if strings.Contains(got.Message, stranger.NationalID) {
			t.Errorf("record %d: the message shows a whole national ID: %s", i, got.Message)
		}
	}
	fireNightly(t, env)
	if got := platformRecords(t, env, p[5]); len(got) != 0 {
		t.Fatalf("the duplicate record was written: %+v", got)
	}
	if got := platformRecords(t, env, p[0]); len(got) != 1 {
		t.Fatalf("the valid record: %+v", got)
	}

	tooMany := make([]map[string]any, imports.MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = platformRecord(fmt.Sprintf("M-%d", i), p[i%len(p)], "課程", 1)
	}
	whole := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"over 1,000 records", map[string]any{"batchId": "big", "records": tooMany}, 413, "too_large"},
		{"no batch id", map[string]any{"records": []any{platformRecord("x", p[0], "課程", 1)}}, 400, "invalid_input"},
		{"no records", map[string]any{"batchId": "empty", "records": []any{}}, 400, "invalid_input"},
		{"hours as text", map[string]any{"batchId": "types", "records": []any{map[string]any{"recordId": "x", "total": "兩小時"}}}, 400, "bad_json"},
		{"an unknown field", map[string]any{"batchId": "extra", "records": []any{map[string]any{"recordId": "x", "hours": 2}}}, 400, "bad_json"},
		{"not JSON", "records=1", 400, "bad_json"},
	}
	for _, c := range whole {
		r := env.Do(t, "POST", "/api/platform/records", token, c.body)
		if r.Status != c.status || r.Code() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
		}
	}
	var n int
	jobs, err := imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}.List(context.Background(), demo.MOI, time.Unix(0, 0), time.Now().Add(time.Hour), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		if j.Kind == imports.Platform {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d platform jobs, want only the mixed batch's", n)
	}
}

// A crash in the middle of a platform job's apply: the rerun gives each
// record exactly once, and says 新增 for the ones the crashed run wrote.
func TestPlatformCrashMidApplyExactlyOnce(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	p := env.Data.People[:20]
	// The second record of p[0] is an update of a record another batch made.
	if r, _ := sendBatch(t, env, token, "before", platformRecord("C-0", p[0], "先前課程", 1)); r.Status != 202 {
		t.Fatalf("first batch: %d %s", r.Status, r.Body)
	}
	fireNightly(t, env)
	recs := make([]map[string]any, imports.MaxBatch)
	for i := range recs {
		recs[i] = platformRecord(fmt.Sprintf("C-%d", i), p[i%len(p)], fmt.Sprintf("課程%04d", i), 2)
	}
	r, a := sendBatch(t, env, token, "crash", recs...)
	if r.Status != 202 || a.Job.Waiting != imports.MaxBatch {
		t.Fatalf("batch: %d %+v", r.Status, a.Job)
	}
	ctx := context.Background()
	real := records.Repo{Table: env.Tables.Records}
	crash := &crashAfterWrite{RecordWriter: real}
	if _, err := pipeline(t, env, nil, crash, 0).Apply(ctx, a.Job.ID, "doomed"); err == nil || !strings.Contains(err.Error(), "simulated crash") {
		t.Fatalf("the doomed run: %v", err)
	}
	// The records are written, the results and checkpoint are not.
	if err := env.Tables.Directory.Update("pk", "IMPORT#"+a.Job.ID).Range("sk", "JOB").
		Set("lease", time.Now().Add(-time.Second)).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pipeline(t, env, nil, real, 0).Apply(ctx, a.Job.ID, "resume"); err != nil {
		t.Fatal(err)
	}
	done := platformJob(t, env, token, a.Job.ID)
	if done.Job.Status != imports.Done || done.Job.Applied != imports.MaxBatch || len(done.Records) != imports.MaxBatch {
		t.Fatalf("resumed: %+v (%d records)", done.Job, len(done.Records))
	}
	for i, rec := range done.Records {
		want := imports.ChangeAdded
		if i == 0 {
			want = imports.ChangeUpdated
		}
		if rec.Change != want {
			t.Fatalf("record %d: %+v, want %s", i, rec, want)
		}
	}
	total := 0
	for _, q := range p {
		got := platformRecords(t, env, q)
		total += len(got)
		for _, rec := range got {
			if rec.Hours != 2 {
				t.Fatalf("record %+v", rec)
			}
		}
	}
	if total != imports.MaxBatch {
		t.Fatalf("%d records, want %d: each exactly once", total, imports.MaxBatch)
	}
}

// crashAfterWrite writes the records, then fails: the run dies after its
// writes and before its results and checkpoint.
type crashAfterWrite struct{ imports.RecordWriter }

func (c *crashAfterWrite) WriteRecords(ctx context.Context, recs []records.Record) error {
	if err := c.RecordWriter.WriteRecords(ctx, recs); err != nil {
		return err
	}
	return fmt.Errorf("simulated crash")
}

// The per-client throttle: a fixed window of Limit requests; the next one is
// told when the window ends. Another client's window is its own.
func TestPlatformThrottle(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 10, 0, 45, 0, time.UTC)
	th := hoursfeed.Throttle{Table: env.Tables.Directory, Limit: 3, Window: time.Minute, Now: func() time.Time { return at }}
	for i := range 3 {
		if wait, err := th.Take(ctx, "plc-a"); err != nil || wait != 0 {
			t.Fatalf("request %d: %v %v", i, wait, err)
		}
	}
	if wait, err := th.Take(ctx, "plc-a"); err != nil || wait != 15*time.Second {
		t.Fatalf("the fourth: %v %v, want 15s (the window ends at 10:01)", wait, err)
	}
	if wait, _ := th.Take(ctx, "plc-b"); wait != 0 {
		t.Fatalf("another client throttled: %v", wait)
	}
	at = at.Add(15 * time.Second)
	if wait, _ := th.Take(ctx, "plc-a"); wait != 0 {
		t.Fatalf("the next window: %v", wait)
	}

	// Through the API: a full window is 429 with Retry-After, the message in zh-TW.
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	now := env.Now()
	for _, w := range []time.Time{now.Truncate(hoursfeed.Window), now.Truncate(hoursfeed.Window).Add(hoursfeed.Window)} {
		if err := env.Tables.Directory.Put(map[string]any{"pk": "PLATFORMRATE#" + demo.PlatformID, "sk": w.UTC().Format(time.RFC3339),
			"n": hoursfeed.Limit}).Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	r := env.Do(t, "GET", "/api/platform/jobs/none", token, nil)
	if r.Status != 429 || r.Code() != "rate_limited" || r.Header.Get("Retry-After") == "" || !strings.Contains(string(r.Body), "秒後再試") {
		t.Fatalf("a full window: %d %v %s", r.Status, r.Header, r.Body)
	}
}

// Larger sets: a presigned PUT of a CSV of the Platform layout, staged by
// the bucket's notification like any upload, its records named by the
// platform's ids as in a JSON batch.
func TestPlatformCSVUpload(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	p := env.Data.People
	file := "平台紀錄編號*,身分證字號*,姓名*,訓練進修機構名稱,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n" +
		fmt.Sprintf("CSV-1,%s,%s,,數位課程,2026-10-01,2026-10-01,3111,2,1,1,,,,\r\n", p[0].NationalID, p[0].Name) +
		fmt.Sprintf("CSV-2,%s,%s,,數位課程,2026-10-01,2026-10-01,3111,2,1,1,,,,\r\n", p[1].NationalID, p[1].Name) +
		fmt.Sprintf("CSV-1,%s,%s,,數位課程,2026-10-01,2026-10-01,3111,2,1,1,,,,\r\n", p[2].NationalID, p[2].Name)
	r := env.Do(t, "POST", "/api/platform/uploads", token, map[string]any{"batchId": "csv-1", "size": len(file)})
	if r.Status != 201 {
		t.Fatalf("upload link: %d %s", r.Status, r.Body)
	}
	var up imports.UploadAnswer
	r.JSON(t, &up)
	if up.Job.Status != imports.Uploading || up.Columns[0] != "平台紀錄編號" || up.ExpiresAt.Sub(env.Now()) > 15*time.Minute {
		t.Fatalf("upload answer: %s", r.Body)
	}
	env.PutUpload(t, up.URL, []byte(file))
	a := platformJob(t, env, token, up.Job.ID)
	if a.Job.Status != imports.Staged || len(a.Records) != 3 || a.Records[2].Code != imports.CodeDuplicateRecord {
		t.Fatalf("staged: %+v", a)
	}
	fireNightly(t, env)
	if got := platformRecords(t, env, p[1]); len(got) != 1 || got[0].ID != imports.PlatformRecordID(demo.PlatformID, "CSV-2") || got[0].Institution != "E等公務園+" {
		t.Fatalf("p1's records: %+v", got)
	}
	// The same batch id for another file is refused.
	if r := env.Do(t, "POST", "/api/platform/uploads", token, map[string]any{"batchId": "csv-1", "size": 10}); r.Status != 409 {
		t.Fatalf("batch id reused: %d %s", r.Status, r.Body)
	}
}

// A record resent naming another person (a platform fixing a wrong national
// ID) or another year moves: one record, at its new place, never two.
func TestPlatformResendMovesTheRecord(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	p := env.Data.People
	if r, _ := sendBatch(t, env, token, "m-1", platformRecord("MV-1", p[0], "課程", 2)); r.Status != 202 {
		t.Fatalf("first: %d %s", r.Status, r.Body)
	}
	fireNightly(t, env)
	moved := platformRecord("MV-1", p[1], "課程", 2)
	if r, _ := sendBatch(t, env, token, "m-2", moved); r.Status != 202 {
		t.Fatalf("to another person: %d %s", r.Status, r.Body)
	}
	fireNightly(t, env)
	if a, b := platformRecords(t, env, p[0]), platformRecords(t, env, p[1]); len(a) != 0 || len(b) != 1 {
		t.Fatalf("after the move: p0 %+v, p1 %+v", a, b)
	}
	moved["start"], moved["end"] = "2027-01-05", "2027-01-05"
	r, a := sendBatch(t, env, token, "m-3", moved)
	if r.Status != 202 {
		t.Fatalf("to another year: %d %s", r.Status, r.Body)
	}
	fireNightly(t, env)
	got := platformRecords(t, env, p[1])
	if len(got) != 1 || got[0].Year != 2027 {
		t.Fatalf("after the move to 2027: %+v", got)
	}
	if j := platformJob(t, env, token, a.Job.ID); len(j.Records) != 1 || j.Records[0].Change != imports.ChangeUpdated {
		t.Fatalf("the move is an update: %+v", j.Records)
	}
}

// A batch whose first sending died while staging (its lease ran out) is
// staged by the resend of the same batch id; one still being staged answers
// 409 (send again later), never an empty "replayed" answer.
func TestPlatformResendAfterStagingDied(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1})
	token := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	p := env.Data.People
	r, first := sendBatch(t, env, token, "d-1", platformRecord("DIE-1", p[0], "課程", 2))
	if r.Status != 202 {
		t.Fatalf("first: %d %s", r.Status, r.Body)
	}
	// As if that sending had died mid-staging: the job back in staging, leased.
	ctx := context.Background()
	back := func(lease time.Time) {
		t.Helper()
		if err := env.Tables.Directory.Update("pk", "IMPORT#"+first.Job.ID).Range("sk", "JOB").
			Set("status", imports.Staging).Set("owner", "died").Set("lease", lease).Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	back(time.Now().Add(10 * time.Minute))
	if r, _ := sendBatch(t, env, token, "d-1", platformRecord("DIE-1", p[0], "課程", 2)); r.Status != 409 {
		t.Fatalf("resend while staging: %d %s", r.Status, r.Body)
	}
	back(time.Now().Add(-time.Second))
	r, again := sendBatch(t, env, token, "d-1", platformRecord("DIE-1", p[0], "課程", 2))
	if r.Status != 200 || !again.Replayed || again.Job.Status != imports.Staged || len(again.Records) != 1 {
		t.Fatalf("resend after the staging died: %d %s", r.Status, r.Body)
	}
}

// Wrong secrets for a client id count in a throttle window of their own: they
// are refused (and throttled) without using up the client's own quota.
func TestPlatformRefusedTokensDoNotUseTheQuota(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 10, Classes: 1, Env: map[string]string{"PLATFORM_RATE_LIMIT": "3"}})
	ok := url.Values{"grant_type": {"client_credentials"}}
	throttled := 0 // 7 attempts: whatever minute boundary falls between them, one window holds 4 of them
	for i := 0; i < 7; i++ {
		if postForm(t, env, ok, demo.PlatformID, "wrong-secret").Status == 429 {
			throttled++
		}
	}
	if throttled == 0 {
		t.Fatal("7 wrong secrets at a limit of 3 a minute: none throttled")
	}
	if r := postForm(t, env, ok, demo.PlatformID, demo.PlatformSecret); r.Status != 200 {
		t.Fatalf("the client's own request after wrong ones: %d %s", r.Status, r.Body)
	}
}
