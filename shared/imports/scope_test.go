package imports_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// failedCodes maps each failed line of a job to its row code.
func failedCodes(t *testing.T, env *stacktest.Env, user, id string) map[int]string {
	t.Helper()
	var rows struct{ Items []imports.RowResult }
	env.As(t, user, "GET", "/api/imports/jobs/"+id+"/rows?failed=1", nil).JSON(t, &rows)
	out := map[int]string{}
	for _, r := range rows.Items {
		out[r.Line] = r.Code
	}
	return out
}

// registerClient registers a platform client of 內政部 and signs it in.
func registerClient(t *testing.T, env *stacktest.Env, name string, national bool) (id, token string) {
	t.Helper()
	r := env.As(t, "sys.admin", "POST", "/api/platform-clients", map[string]any{"name": name, "agency": demo.MOI, "national": national})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var reg struct {
		Client struct {
			ID       string
			National bool
		}
		Secret string
	}
	r.JSON(t, &reg)
	if reg.Client.National != national {
		t.Fatalf("registered national=%v: %s", national, r.Body)
	}
	return reg.Client.ID, env.PlatformLogin(t, reg.Client.ID, reg.Secret)
}

// putCSV sends a platform's CSV through its presigned link and waits for staging.
func putCSV(t *testing.T, env *stacktest.Env, token, batch, file string) string {
	t.Helper()
	r := env.Do(t, "POST", "/api/platform/uploads", token, map[string]any{"batchId": batch, "size": len(file)})
	if r.Status != 201 {
		t.Fatalf("upload link: %d %s", r.Status, r.Body)
	}
	var up imports.UploadAnswer
	r.JSON(t, &up)
	env.PutUpload(t, up.URL, []byte(file))
	return up.Job.ID
}

const platformHeader = "平台紀錄編號*,身分證字號*,姓名*,訓練進修機構名稱,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n"

// A writer writes learning records only for the people of its agency and
// the agencies below it (the manual's 「幫同仁登錄認證時數資料」); a row for
// anyone else fails at staging with outside_scope, and again at the apply
// when the person moved meanwhile. Only a platform client registered as
// national writes for anyone. What the writer wrote stays in its sight.
func TestWritesOnlyForTheWritersPeople(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 2})
	ctx := context.Background()
	own, sub := staffOf(t, env, demo.MOI, 1)[0], staffOf(t, env, demo.MOINPA, 2)
	other := staffOf(t, env, demo.TPE, 2)

	// An L6a class of 內政部 with a 臺北市政府 learner enrolled (a record of the
	// class): its organiser grades that learner, and no other outsider.
	var class = env.Data.Classes[0]
	if class.Agency != demo.MOI {
		t.Fatalf("demo class 0 is of %s, want 內政部's", class.Agency)
	}
	learner := records.OfClass(class, other[1].ID, other[1].Agency, env.Now())
	if err := (records.Repo{Table: env.Tables.Records}).WriteRecords(ctx, []records.Record{learner}); err != nil {
		t.Fatal(err)
	}

	ext := func(p staff.Person) string {
		return fmt.Sprintf("%s,%s,國家文官學院,範圍測試,115/10/01,115/10/01,3111,6,1,2,,6,A,\r\n", p.NationalID, p.Name)
	}
	study := func(p staff.Person) string {
		return fmt.Sprintf("%s,%s,國立政治大學,範圍測試,115/02/20,115/06/30,3,18,1,2,,18,\r\n", p.NationalID, p.Name)
	}
	graded := func(p staff.Person) string {
		return fmt.Sprintf("%s,%s,%s,%s,6,1,2,,6,通過,\r\n", p.NationalID, p.Name, class.CourseCode, class.Session)
	}
	const studyHeader = "身分證字號*,姓名*,進修機構名稱*,課程名稱*,起始日期*,終迄日期*,進修類別*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,訓練成績\r\n"
	const classHeader = "身分證字號*,姓名*,課程代碼*,期別*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,認證結果,訓練成績\r\n"
	uploads := []struct {
		name, kind, file string
		failed           map[int]string // line → code; every other line waits for the night
	}{
		{"L6b", imports.HoursExternal, extHeader + ext(own) + ext(sub[0]) + ext(other[0]), map[int]string{4: imports.CodeOutsideScope}},
		{"L6c", imports.HoursStudy, studyHeader + study(own) + study(sub[0]) + study(other[0]), map[int]string{4: imports.CodeOutsideScope}},
		{"L6a", imports.HoursClass, classHeader + graded(own) + graded(other[1]) + graded(other[0]), map[int]string{4: imports.CodeOutsideScope}},
		// sub[1] moves to 臺北市政府 between staging and apply (below).
		{"moved", imports.HoursExternal, extHeader + ext(sub[1]), map[int]string{}},
	}
	jobs := map[string]string{}
	for _, u := range uploads {
		j := upload(t, env, "moi.course", u.kind, u.name+".csv", []byte(u.file))
		if got := failedCodes(t, env, "moi.course", j.ID); j.Status != imports.Staged || fmt.Sprint(got) != fmt.Sprint(u.failed) {
			t.Errorf("%s staged: %+v, failed %v, want %v", u.name, j, got, u.failed)
		}
		jobs[u.name] = j.ID
	}

	// Platforms: a 內政部 client writes for 內政部's people only, by JSON and
	// by CSV; the national one (the demo's E等公務園+) for anyone.
	_, local := registerClient(t, env, "內政部研習平臺", false)
	r, a := sendBatch(t, env, local, "s-1", platformRecord("S-1", own, "範圍", 2), platformRecord("S-2", other[0], "範圍", 2))
	if r.Status != 202 || len(a.Records) != 2 || a.Records[0].Status != imports.RowWaiting ||
		a.Records[1].Code != imports.CodeOutsideScope || !strings.Contains(a.Records[1].Message, "不是本機關或所屬機關的同仁") {
		t.Fatalf("local client's batch: %d %s", r.Status, r.Body)
	}
	csvJob := putCSV(t, env, local, "s-2", platformHeader+
		fmt.Sprintf("C-1,%s,%s,,範圍,2026-10-01,2026-10-01,3111,2,1,1,,,,\r\n", sub[0].NationalID, sub[0].Name)+
		fmt.Sprintf("C-2,%s,%s,,範圍,2026-10-01,2026-10-01,3111,2,1,1,,,,\r\n", other[0].NationalID, other[0].Name))
	if c := platformJob(t, env, local, csvJob); len(c.Records) != 2 || c.Records[0].Status != imports.RowWaiting || c.Records[1].Code != imports.CodeOutsideScope {
		t.Fatalf("local client's CSV: %+v", c)
	}
	national := env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret)
	if r, a := sendBatch(t, env, national, "s-3", platformRecord("N-1", other[0], "範圍", 2)); r.Status != 202 || a.Records[0].Status != imports.RowWaiting {
		t.Fatalf("national client's batch: %d %s", r.Status, r.Body)
	}
	if l := env.As(t, "sys.admin", "GET", "/api/platform-clients", nil); !strings.Contains(string(l.Body), `"national":true`) || !strings.Contains(string(l.Body), `"national":false`) {
		t.Fatalf("the list does not say which clients are national: %s", l.Body)
	}

	// A client revoked after its batch was accepted: the apply writes none of it.
	revokedID, revoked := registerClient(t, env, "撤銷測試平臺", false)
	r, rv := sendBatch(t, env, revoked, "r-1", platformRecord("R-1", own, "撤銷", 2))
	if r.Status != 202 || rv.Records[0].Status != imports.RowWaiting {
		t.Fatalf("batch before the revoke: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "sys.admin", "POST", "/api/platform-clients/"+revokedID+"/revoke", nil); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}

	// A file replaced after staging (a second PUT through the still-valid
	// link, same size): the apply writes neither file.
	swapped := []byte(extHeader + ext(own))
	up := env.As(t, "moi.course", "POST", "/api/imports", map[string]any{"kind": imports.HoursExternal, "fileName": "swap.csv", "size": len(swapped)})
	var link imports.Upload
	up.JSON(t, &link)
	put := func(b []byte) {
		env.PutUpload(t, link.URL, b)
	}
	put(swapped)
	if j := job(t, env, "moi.course", link.Job.ID); j.Status != imports.Staged || j.Waiting != 1 {
		t.Fatalf("swap staged: %+v", j)
	}
	put(bytes.Replace(swapped, []byte("範圍測試"), []byte("偷換內容"), 1))

	// sub[1] moves to 臺北市政府 before the night: the apply checks again.
	if err := env.Tables.Directory.Update("pk", "NID#"+sub[1].NationalID).Range("sk", "PERSON").Set("agency", demo.TPE).Run(ctx); err != nil {
		t.Fatal(err)
	}
	fireNightly(t, env)
	if got := failedCodes(t, env, "moi.course", jobs["moved"]); got[2] != imports.CodeOutsideScope {
		t.Errorf("a person moved out before the apply: failed %v", got)
	}
	if j := job(t, env, "moi.course", jobs["moved"]); j.Status != imports.Done || j.Applied != 0 {
		t.Errorf("moved: %+v", j)
	}
	for _, p := range []staff.Person{other[0], sub[1]} { // nothing but the national client's record reached them
		var recs []records.Record
		if err := env.Tables.Records.Get("pk", "PERSON#"+p.ID).All(ctx, &recs); err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if rec.Job != "" && rec.ID != imports.PlatformRecordID(demo.PlatformID, "N-1") {
				if j, err := (imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}).Get(ctx, rec.Job); err == nil && j.Agency == demo.MOI {
					t.Errorf("内政部 wrote a record for %s of %s: %+v", p.ID, p.Agency, rec)
				}
			}
		}
	}
	if got := platformRecords(t, env, other[0]); len(got) != 1 {
		t.Errorf("the national client's record: %+v", got)
	}
	var rvRows struct{ Items []imports.RowResult }
	env.As(t, "moi.admin", "GET", "/api/imports/jobs/"+rv.Job.ID+"/rows", nil).JSON(t, &rvRows)
	if j := job(t, env, "moi.admin", rv.Job.ID); j.Status != imports.Done || j.Applied != 0 || len(rvRows.Items) != 1 || rvRows.Items[0].Code != imports.CodeClientRevoked {
		t.Errorf("the revoked client's accepted batch: %+v %+v", j, rvRows.Items)
	}
	if j := job(t, env, "moi.course", link.Job.ID); j.Status != imports.Failed || !strings.Contains(j.FileError, "替換") || j.Applied != 0 {
		t.Errorf("the swapped file's job: %+v", j)
	}
	if got := failedCodes(t, env, "moi.course", link.Job.ID); got[2] != imports.CodeFileChanged {
		t.Errorf("the swapped file's row: %v", got)
	}
	for _, course := range []string{"撤銷", "偷換內容"} {
		var recs []records.Record
		if err := env.Tables.Records.Get("pk", "PERSON#"+own.ID).Filter("$ = ?", "courseName", course).All(ctx, &recs); err != nil {
			t.Fatal(err)
		}
		if len(recs) != 0 {
			t.Errorf("%s written: %+v", course, recs)
		}
	}

	// In sight: 內政部 finds the record it wrote for 警政署's officer (L6b
	// online maintenance of an agency below it), and the graded 臺北市政府
	// learner in its class (L6a).
	q := url.Values{"agency": {demo.MOINPA}, "year": {"2026"}, "who": {sub[0].NationalID}, "course": {"範圍測試"}}
	if f := env.As(t, "moi.course", "GET", "/api/learning-hours/external?"+q.Encode(), nil); f.Status != 200 || !strings.Contains(string(f.Body), sub[0].Name) {
		t.Errorf("内政部 cannot find the record it wrote for its agency below: %d %s", f.Status, f.Body)
	}
	cls := env.As(t, "moi.course", "GET", "/api/class-hours/"+class.CourseCode+"/"+class.Session, nil)
	if cls.Status != 200 || !strings.Contains(string(cls.Body), other[1].Name) {
		t.Errorf("the class's learner of another agency is not in its L6a list: %d %s", cls.Status, cls.Body)
	}
}
