package enrollment_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// course is an open class starting in a few days, enrolling from the stack's today.
func course(env *stacktest.Env, code string, edit func(map[string]any)) map[string]any {
	day := env.Day
	c := map[string]any{"courseCode": code, "session": "1", "name": "報名測試班", "category": "3111", "nature": "physical",
		"method": "open", "start": day(3), "end": day(3), "unit": "hour", "amount": 6, "enrollStart": day(0), "enrollEnd": day(2),
		"capacity": 50, "stopWhenFull": true, "survey": []string{"meals"}, "location": "臺北市"}
	if edit != nil {
		edit(c)
	}
	return c
}

func create(t *testing.T, env *stacktest.Env, user string, c map[string]any) {
	t.Helper()
	if r := env.As(t, user, "POST", "/api/courses", c); r.Status != 201 {
		t.Fatalf("create course: %d %s", r.Status, r.Body)
	}
}

func enroll(t *testing.T, env *stacktest.Env, p staff.Person, code string, answers map[string]string) (int, string) {
	r := env.Do(t, "POST", "/api/front/enrollments/"+code+"/1", env.Token(t, p.ID), map[string]any{"answers": answers})
	return r.Status, r.Code()
}

func classItem(t *testing.T, env *stacktest.Env, code string) catalog.Class {
	c, err := catalog.Repo{Table: env.Tables.Catalog}.Get(context.Background(), code, "1")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func enrollees(t *testing.T, env *stacktest.Env, code string, status string) []catalog.Enrollment {
	list, err := catalog.Repo{Table: env.Tables.Catalog}.Enrollees(context.Background(), catalog.Class{CourseCode: code, Session: "1"}, status)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

var meals = map[string]string{"meals": "素食"}

func TestNoOverbooking(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 260, Classes: 2})
	create(t, env, "moi.course", course(env, "FULL-50", nil))
	people := env.Data.People[:200]
	for _, p := range people { // tokens first: the race is the enrollments, not the token issuing
		env.Token(t, p.ID)
	}
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, code := enroll(t, env, p, "FULL-50", meals)
			mu.Lock()
			got[fmt.Sprintf("%d %s", status, code)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if got["201 "] != 50 || got["409 class_full"] != 150 || len(got) != 2 {
		t.Fatalf("200 learners at once into 50 seats: %v", got)
	}
	if c := classItem(t, env, "FULL-50"); c.Enrolled != 50 || len(enrollees(t, env, "FULL-50", "")) != 50 {
		t.Fatalf("stored count %d, enrollments %d", c.Enrolled, len(enrollees(t, env, "FULL-50", "")))
	}
}

func TestEnrollmentRules(t *testing.T) { stacktest.EachClock(t, enrollmentRules) }

func enrollmentRules(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 120, Classes: 2, At: at})
	var moi, tpe []staff.Person
	for _, p := range env.Data.People {
		if strings.HasPrefix(p.Agency, "301") {
			moi = append(moi, p)
		} else if strings.HasPrefix(p.Agency, "379") {
			tpe = append(tpe, p)
		}
	}
	if len(moi) < 3 || len(tpe) < 1 {
		t.Fatalf("demo people: %d MOI, %d TPE", len(moi), len(tpe))
	}
	create(t, env, "moi.course", course(env, "RULES", func(c map[string]any) { c["restriction"] = "301*" }))
	create(t, env, "moi.course", course(env, "LATER", func(c map[string]any) { c["enrollStart"] = env.Day(1) }))
	create(t, env, "moi.course", course(env, "NOMINATED", func(c map[string]any) { c["method"] = "nominated" }))
	for _, tc := range []struct {
		name   string
		p      staff.Person
		code   string
		ans    map[string]string
		status int
		want   string
	}{
		{"outside the window", moi[0], "LATER", meals, 409, "enrollment_closed"},
		{"nominated course", moi[0], "NOMINATED", meals, 409, "enrollment_closed"},
		{"another agency's restriction", tpe[0], "RULES", meals, 403, "not_eligible"},
		{"no survey answer", moi[0], "RULES", nil, 400, "invalid_input"},
		{"a survey answer not offered", moi[0], "RULES", map[string]string{"meals": "牛排"}, 400, "invalid_input"},
		{"unknown class", moi[0], "NOPE", meals, 404, "not_found"},
		{"ok", moi[0], "RULES", meals, 201, ""},
		{"twice", moi[0], "RULES", meals, 409, "conflict"},
		{"ok too", moi[1], "RULES", meals, 201, ""},
		{"and a third", moi[2], "RULES", meals, 201, ""},
	} {
		if status, code := enroll(t, env, tc.p, tc.code, tc.ans); status != tc.status || code != tc.want {
			t.Errorf("%s: %d %s, want %d %s", tc.name, status, code, tc.status, tc.want)
		}
	}
	if r := env.As(t, "moi.course", "POST", "/api/front/enrollments/RULES/1", map[string]any{"answers": meals}); r.Status != 403 {
		t.Errorf("a back-office account enrolls: %d %s", r.Status, r.Body)
	}
	// Withdraw before approval frees the seat.
	if r := env.Do(t, "DELETE", "/api/front/enrollments/RULES/1", env.Token(t, moi[2].ID), nil); r.Status != 204 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	if c := classItem(t, env, "RULES"); c.Enrolled != 2 {
		t.Errorf("enrolled %d after a withdrawal, want 2", c.Enrolled)
	}
	// Approval: a rejection needs a reason; approval is final.
	path := "/api/enrollments/RULES/1/decisions"
	if r := env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{{"personId": moi[1].ID, "decision": "reject"}}}); r.Status != 400 {
		t.Errorf("reject without a reason: %d %s", r.Status, r.Body)
	}
	// Several reasonless rejections: each row is named, nothing is decided.
	var refused struct {
		Fields []struct{ Field string }
	}
	r0 := env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{
		{"personId": moi[0].ID, "decision": "reject"}, {"personId": moi[1].ID, "decision": "reject", "reason": " "}}})
	r0.JSON(t, &refused)
	if r0.Status != 400 || len(refused.Fields) != 2 || refused.Fields[0].Field != "decisions[0].reason" || refused.Fields[1].Field != "decisions[1].reason" {
		t.Errorf("reasonless rejections: %d %s", r0.Status, r0.Body)
	}
	if r := env.As(t, "moi.course", "POST", "/api/enrollments/RULES/1/reject-all", map[string]string{"reason": " "}); r.Status != 400 {
		t.Errorf("reject all without a reason: %d %s", r.Status, r.Body)
	}
	r := env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{
		{"personId": moi[0].ID, "decision": "approve"}, {"personId": moi[1].ID, "decision": "reject", "reason": "非本業務相關人員"}}})
	var out struct{ Items []enrollment.Outcome }
	r.JSON(t, &out)
	if r.Status != 200 || !out.Items[0].OK || !out.Items[1].OK {
		t.Fatalf("decisions: %d %s", r.Status, r.Body)
	}
	r = env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{{"personId": moi[0].ID, "decision": "reject", "reason": "改變心意"}}})
	if r.Status != 409 || r.Code() != "approval_final" {
		t.Errorf("rejecting an approved enrollment: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "DELETE", "/api/front/enrollments/RULES/1", env.Token(t, moi[0].ID), nil); r.Status != 409 || r.Code() != "approval_final" {
		t.Errorf("withdrawing an approved enrollment: %d %s", r.Status, r.Body)
	}
	if c := classItem(t, env, "RULES"); c.Enrolled != 1 {
		t.Errorf("enrolled %d after a rejection, want 1", c.Enrolled)
	}
	// Another agency's officer sees nothing of the class.
	if r := env.As(t, "tpe.admin", "GET", "/api/enrollments/RULES/1", nil); r.Status != 404 {
		t.Errorf("another agency lists enrollees: %d", r.Status)
	}
	// The sign-in sheet: approved enrollees, chosen columns, blank rows; CSV with a BOM.
	r = env.As(t, "moi.course", "GET", "/api/enrollments/RULES/1/signin?columns=agency,name&sort=agency,name&blank=3", nil)
	var sheet enrollment.Sheet
	r.JSON(t, &sheet)
	if len(sheet.Rows) != 1 || sheet.Rows[0][1] != moi[0].Name || sheet.Blank != 3 || len(sheet.Columns) != 2 {
		t.Errorf("sheet: %+v", sheet)
	}
	// The class's survey question is a column of its own; one it does not ask is refused.
	r = env.As(t, "moi.course", "GET", "/api/enrollments/RULES/1/signin?columns=name,survey.meals", nil)
	r.JSON(t, &sheet)
	if len(sheet.Rows) != 1 || sheet.Columns[1] != "飲食需求" || sheet.Rows[0][1] != "素食" {
		t.Errorf("survey column: %d %+v", r.Status, sheet)
	}
	if r := env.As(t, "moi.course", "GET", "/api/enrollments/RULES/1/signin?columns=survey.accommodation", nil); r.Status != 400 {
		t.Errorf("a question the class does not ask: %d %s", r.Status, r.Body)
	}
	r = env.As(t, "moi.course", "GET", "/api/enrollments/RULES/1/signin?columns=name&blank=2&format=csv", nil)
	if csv := string(r.Body); !strings.HasPrefix(csv, "\uFEFF序號,姓名,簽名") || strings.Count(csv, "\r\n") != 4 {
		t.Errorf("sheet CSV:\n%q", csv)
	}
}

func TestApproveAllIsRetrySafe(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 2050, Classes: 2})
	create(t, env, "moi.course", course(env, "BIG", func(c map[string]any) { c["capacity"] = 0; c["stopWhenFull"] = false }))
	ctx := context.Background()
	var items []any
	for i, p := range env.Data.People[:2000] {
		items = append(items, catalog.EnrollmentKeyed(catalog.Enrollment{CourseCode: "BIG", Session: "1", PersonID: p.ID,
			Agency: p.Agency, Status: catalog.Pending, At: env.Now().Add(time.Duration(i) * time.Millisecond)}))
	}
	if err := store.WriteAll(ctx, env.Tables.Catalog, items, 8); err != nil {
		t.Fatal(err)
	}
	if err := env.Tables.Catalog.Update("pk", "CLASS#BIG#1").Range("sk", catalog.SeatsSK).Set("enrolled", 2000).Run(ctx); err != nil {
		t.Fatal(err)
	}
	// The first run is interrupted partway.
	svc := &enrollment.Service{DB: env.Tables.DB, Classes: catalog.Repo{Table: env.Tables.Catalog},
		People: staff.Repo{Table: env.Tables.Directory}, Agencies: agency.Repo{Table: env.Tables.Directory}, Now: env.Now}
	caller := auth.Caller{UserID: "moi.course", Active: agency.Agency{Code: demo.MOI, Path: demo.MOI}}
	if a, err := (agency.Repo{Table: env.Tables.Directory}).Get(ctx, demo.MOI); err == nil {
		caller.Active = a
	}
	cut, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	first, err := svc.ApproveAll(cut, caller, "BIG", "1")
	cancel()
	if err == nil || first >= 2000 {
		t.Fatalf("the interrupted run approved %d (%v); it should have been cut short", first, err)
	}
	// Retried through the API: the rest, nothing twice.
	r := env.As(t, "moi.course", "POST", "/api/enrollments/BIG/1/approve-all", nil)
	var res struct{ Approved int }
	r.JSON(t, &res)
	approved := len(enrollees(t, env, "BIG", catalog.Approved))
	if r.Status != 200 || approved != 2000 || len(enrollees(t, env, "BIG", catalog.Pending)) != 0 {
		t.Fatalf("after the retry: %d %s; %d approved", r.Status, r.Body, approved)
	}
	if res.Approved > 2000-first || res.Approved < 2000-first-50 {
		t.Errorf("retry approved %d after %d (in-flight approvals of the cut run may land): want about %d", res.Approved, first, 2000-first)
	}
	r = env.As(t, "moi.course", "POST", "/api/enrollments/BIG/1/approve-all", nil)
	r.JSON(t, &res)
	if res.Approved != 0 {
		t.Errorf("a third run approved %d", res.Approved)
	}
	if c := classItem(t, env, "BIG"); c.Enrolled != 2000 {
		t.Errorf("enrolled %d", c.Enrolled)
	}
}

func TestRosterTransferAfterInterruption(t *testing.T) {
	stacktest.EachClock(t, rosterTransferAfterInterruption)
}

func rosterTransferAfterInterruption(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 40, At: at})
	yesterday := env.Day(-1)
	want := map[string]bool{}
	year := map[string]int{} // a record's year is its class's
	for _, c := range env.Data.Classes {
		if c.End != yesterday {
			continue
		}
		for _, e := range env.Data.Enrollments {
			if e.CourseCode == c.CourseCode && e.Session == c.Session && e.Status == catalog.Approved {
				want[e.PersonID+"|"+records.ClassRecordID(c.CourseCode, c.Session)] = true
				year[e.PersonID+"|"+records.ClassRecordID(c.CourseCode, c.Session)] = c.Year
			}
		}
	}
	if len(want) == 0 {
		t.Fatal("the demo has no approved enrollees of classes that ended yesterday")
	}
	fire := func() records.TransferResult {
		out, err := env.Fire(context.Background(), "Morning", []byte(fmt.Sprintf(`{"date":%q}`, yesterday)))
		if err != nil {
			t.Fatal(err)
		}
		var res records.CatchUpResult
		if err := json.Unmarshal(out, &res); err != nil || len(res.Days) != 1 {
			t.Fatalf("%s: %v", out, err)
		}
		return res.Days[0]
	}
	// stored returns each wanted record as stored (absent when there is none).
	stored := func() map[string]records.Record {
		got := map[string]records.Record{}
		for k := range want {
			person, id, _ := strings.Cut(k, "|")
			var recs []records.Record
			err := env.Tables.Records.Get("pk", "PERSON#"+person).Range("sk", dynamo.BeginsWith, "REC#").
				Filter("$ = ?", "id", id).All(context.Background(), &recs)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 1 {
				got[k] = recs[0]
			}
		}
		return got
	}
	if res := fire(); res.Created != len(want) || res.Existed != 0 {
		t.Fatalf("first run: %+v, want %d created", res, len(want))
	}
	first := stored()
	if len(first) != len(want) {
		t.Fatalf("first run stored %d of %d records", len(first), len(want))
	}
	// A record graded meanwhile must survive the reruns as graded.
	var graded string
	for k := range want {
		graded = k
		break
	}
	g := first[graded]
	if missing, err := (records.Repo{Table: env.Tables.Records}).SetGrades(context.Background(), []records.Grade{{Record: &g, Hours: 5, Passed: true}}); err != nil || len(missing) != 0 {
		t.Fatalf("grade %s: %v %v", graded, missing, err)
	}
	// An interrupted run: some records were never written.
	deleted := map[string]bool{}
	for k := range want {
		if len(deleted) < len(want)/2 && k != graded {
			person, id, _ := strings.Cut(k, "|")
			var old records.Record
			err := env.Tables.Records.Delete("pk", "PERSON#"+person).Range("sk", fmt.Sprintf("REC#%d#%s", year[k], id)).OldValue(context.Background(), &old)
			if err != nil || old.PersonID != person {
				t.Fatalf("delete %s: nothing was there (%v)", k, err)
			}
			deleted[k] = true
		}
	}
	if len(deleted) == 0 {
		t.Fatal("the simulated interruption removed nothing")
	}
	if got := stored(); len(got) != len(want)-len(deleted) {
		t.Fatalf("after the interruption %d records remain, want %d", len(got), len(want)-len(deleted))
	}
	if res := fire(); res.Created != len(deleted) || res.Existed != len(want)-len(deleted) {
		t.Fatalf("the rerun: %+v, want %d created, %d existing", res, len(deleted), len(want)-len(deleted))
	}
	if res := fire(); res.Created != 0 || res.Existed != len(want) {
		t.Fatalf("a third run: %+v, want nothing created", res)
	}
	for k, r := range stored() {
		f := first[k]
		switch {
		case k == graded:
			if r.Status != records.Final || r.Hours != 5 {
				t.Errorf("%s: the graded record was reset by a rerun: %+v", k, r)
			}
		case r.Status != records.AwaitingHours || r.Source != records.SourceClass || r.CourseCode != f.CourseCode ||
			r.Start != f.Start || r.Hours != f.Hours || r.Agency != f.Agency:
			t.Errorf("%s: rewritten as %+v, was %+v", k, r, f)
		case !deleted[k] && !r.Created.Equal(f.Created):
			t.Errorf("%s: a record that was there was written again (created %v, was %v)", k, r.Created, f.Created)
		}
	}
	if got := stored(); len(got) != len(want) {
		t.Fatalf("after the reruns %d of %d records", len(got), len(want))
	}
}

func TestNominations(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 200, Classes: 2})
	create(t, env, "moi.course", course(env, "NOM", func(c map[string]any) { c["method"] = "nominated"; c["survey"] = nil }))
	create(t, env, "moi.course", course(env, "OPEN", nil))
	var moi []staff.Person
	var tpe staff.Person
	for _, p := range env.Data.People {
		if strings.HasPrefix(p.Agency, "301") && len(moi) < 3 {
			moi = append(moi, p)
		}
		if strings.HasPrefix(p.Agency, "379") {
			tpe = p
		}
	}
	// A course that is not 機關薦送 cannot be chosen.
	r := env.As(t, "moi.hr", "POST", "/api/imports", map[string]any{"kind": "nominations", "fileName": "n.csv", "size": 10,
		"params": map[string]string{"classes": "OPEN#1"}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "不是機關薦送") {
		t.Fatalf("nominating to an open course: %d %s", r.Status, r.Body)
	}
	var list struct{ Items []catalog.Class }
	env.As(t, "moi.hr", "GET", "/api/nominations/classes", nil).JSON(t, &list)
	found := false
	for _, c := range list.Items {
		found = found || c.CourseCode == "NOM"
		if c.CourseCode == "OPEN" {
			t.Error("an open course is offered for nomination")
		}
	}
	if !found {
		t.Fatalf("NOM not nominatable: %+v", list.Items)
	}
	file := "身分證字號*,姓名*,備註\r\n" +
		fmt.Sprintf("%s,%s,\r\n%s,%s,\r\n", moi[0].NationalID, moi[0].Name, moi[1].NationalID, moi[1].Name) +
		"A123456788,某甲,\r\n" + // malformed
		"B123456780,某乙,\r\n" + // unknown (a valid ID nobody has here)
		fmt.Sprintf("%s,%s,\r\n", tpe.NationalID, tpe.Name) + // not MOI's
		fmt.Sprintf("%s,%s,\r\n", moi[0].NationalID, moi[0].Name) // twice
	r = env.As(t, "moi.hr", "POST", "/api/imports", map[string]any{"kind": "nominations", "fileName": "薦送.csv",
		"size": len(file), "params": map[string]string{"classes": "NOM#1"}})
	if r.Status != 201 {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	var up struct {
		Job struct{ ID string }
		URL string
	}
	r.JSON(t, &up)
	req, _ := http.NewRequest("PUT", up.URL, strings.NewReader(file))
	req.Header.Set("Content-Type", "text/csv")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: %v %v", resp, err)
	}
	env.WaitNotifications()
	if _, err := env.Fire(context.Background(), "Nightly", nil); err != nil {
		t.Fatal(err)
	}
	env.WaitAsync()
	var job struct {
		Status                string
		Rows, Applied, Failed int
	}
	env.As(t, "moi.hr", "GET", "/api/imports/jobs/"+up.Job.ID, nil).JSON(t, &job)
	if job.Status != "done" || job.Rows != 6 || job.Applied != 2 || job.Failed != 4 {
		t.Fatalf("nomination job: %+v", job)
	}
	var rows struct {
		Items []struct {
			Line    int
			Status  string
			Message string
		}
	}
	env.As(t, "moi.hr", "GET", "/api/imports/jobs/"+up.Job.ID+"/rows", nil).JSON(t, &rows)
	if len(rows.Items) != 6 {
		t.Fatalf("%d row results, want the file's 6", len(rows.Items))
	}
	applied := 0
	for _, rr := range rows.Items {
		if rr.Status == "applied" {
			applied++
		}
		if rr.Status == "applied" && !strings.Contains(rr.Message, "NOM 第 1 期：已薦送") {
			t.Errorf("line %d: %q", rr.Line, rr.Message)
		}
	}
	if applied != 2 {
		t.Errorf("%d applied rows, want 2: %+v", applied, rows.Items)
	}
	var noms struct{ Items []enrollment.Nomination }
	env.As(t, "moi.hr", "GET", "/api/nominations", nil).JSON(t, &noms)
	if len(noms.Items) != 2 || noms.Items[0].ClassName != "報名測試班" {
		t.Errorf("nominations: %+v", noms.Items)
	}
	var enr struct{ Items []enrollment.Enrollee }
	env.As(t, "moi.course", "GET", "/api/enrollments/NOM/1", nil).JSON(t, &enr)
	if len(enr.Items) != 2 || enr.Items[0].NominatedBy != demo.MOI || enr.Items[0].Status != "pending" {
		t.Errorf("the organiser's list: %+v", enr.Items)
	}
	// P4: the upload is found by text in the file (a search task the
	// import worker runs).
	var task struct {
		ID, Status string
		Items      []struct{ ID string }
	}
	if r := env.As(t, "moi.hr", "POST", "/api/imports/searches", map[string]any{"kind": "nominations", "q": moi[1].NationalID}); r.Status != 202 {
		t.Fatalf("P4 search: %d %s", r.Status, r.Body)
	} else {
		r.JSON(t, &task)
	}
	env.WaitAsync()
	env.As(t, "moi.hr", "GET", "/api/imports/searches/"+task.ID, nil).JSON(t, &task)
	if task.Status != "done" || len(task.Items) != 1 || task.Items[0].ID != up.Job.ID {
		t.Errorf("P4 search: %+v", task)
	}
}

// 成績回登 (L6a online): the records the course-end transfer made are graded,
// one bad entry refuses the whole submission, and selected records are deleted.
func TestGradesOfAClass(t *testing.T) { stacktest.EachClock(t, gradesOfAClass) }

func gradesOfAClass(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 40, At: at})
	class, url := gradedClass(t, env)
	read := func() []enrollment.Learner { return gradeSheet(t, env, url).Items }
	learners := read()
	if len(learners) != len(approvedOf(env, class)) {
		t.Fatalf("%d learners on the sheet, %d approved enrollees", len(learners), len(approvedOf(env, class)))
	}
	for _, l := range learners {
		if l.Status != records.AwaitingHours || l.Passed != nil || l.Name == "" || !strings.Contains(l.NationalID, "****") {
			t.Fatalf("before grading: %+v", l)
		}
	}
	// The class appears in the L6a class search.
	var found catalog.ClassPage
	env.As(t, "moi.course", "GET", "/api/class-hours?code="+class.CourseCode+"&year="+class.End[:4], nil).JSON(t, &found)
	if len(found.Items) == 0 || found.Items[0].CourseCode != class.CourseCode {
		t.Errorf("class search: %+v", found.Items)
	}

	a, b, c := learners[0].PersonID, learners[1].PersonID, learners[2].PersonID
	bad := []struct {
		grades []map[string]any
		field  string
	}{
		{[]map[string]any{{"personId": a, "hours": 2, "passed": true}, {"personId": b, "hours": 1.5, "passed": true}}, "grades[1].hours"},
		{[]map[string]any{{"personId": a, "hours": -1, "passed": true}}, "grades[0].hours"},
		{[]map[string]any{{"personId": a, "hours": class.Hours + 1, "passed": true}}, "grades[0].hours"},
		{[]map[string]any{{"personId": a, "hours": 1, "passed": true}, {"personId": a, "hours": 1, "passed": false}}, "grades[1]"},
		{[]map[string]any{{"personId": "nobody", "hours": 1, "passed": true}}, "grades[0]"},
		{[]map[string]any{}, "grades"},
	}
	for _, tc := range bad {
		r := env.As(t, "moi.course", "PUT", url, map[string]any{"grades": tc.grades})
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
			t.Errorf("%v: %d %s, want 400 naming %s", tc.grades, r.Status, r.Body, tc.field)
		}
	}
	for _, l := range read() {
		if l.Status != records.AwaitingHours {
			t.Fatalf("a refused submission wrote %+v", l)
		}
	}
	// A deletion naming one learner of the class and one who is not deletes nothing.
	for _, ids := range [][]string{{c, "nobody"}, {c, strings.Repeat("A", 3000)}} {
		if r := env.As(t, "moi.course", "POST", url+"/delete", map[string]any{"personIds": ids}); r.Status != 400 {
			t.Errorf("delete %.20v: %d %s", ids, r.Status, r.Body)
		}
	}
	if len(read()) != len(learners) {
		t.Fatalf("a refused deletion deleted")
	}
	// Another agency's officer does not see the class.
	if r := env.As(t, "tpe.admin", "GET", url, nil); r.Status != 404 {
		t.Errorf("another agency: %d %s", r.Status, r.Body)
	}

	grades := map[string]any{"grades": []map[string]any{
		{"personId": a, "hours": class.Hours, "passed": true}, {"personId": b, "hours": 1, "passed": false}}}
	for range 2 { // submitting twice leaves the same grades
		grades["version"] = gradeSheet(t, env, url).Version
		if r := env.As(t, "moi.course", "PUT", url, grades); r.Status != 200 || !strings.Contains(string(r.Body), `"saved":2`) {
			t.Fatalf("grade: %d %s", r.Status, r.Body)
		}
	}
	if r := env.As(t, "moi.course", "POST", url+"/delete", map[string]any{"personIds": []string{c}}); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"deleted":1`) {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	after := map[string]enrollment.Learner{}
	for _, l := range read() {
		after[l.PersonID] = l
	}
	if len(after) != len(learners)-1 {
		t.Errorf("%d learners after deleting one of %d", len(after), len(learners))
	}
	if l := after[a]; l.Status != records.Final || l.Hours != class.Hours || l.Passed == nil || !*l.Passed {
		t.Errorf("graded pass: %+v", l)
	}
	if l := after[b]; l.Status != records.Final || l.Hours != 1 || l.Passed == nil || *l.Passed {
		t.Errorf("graded fail: %+v", l)
	}
	if _, ok := after[c]; ok {
		t.Errorf("deleted learner still listed")
	}
	// Grading a learner whose record was deleted meanwhile is refused.
	if r := env.As(t, "moi.course", "PUT", url, map[string]any{"version": gradeSheet(t, env, url).Version,
		"grades": []map[string]any{{"personId": c, "hours": 1, "passed": true}}}); r.Status != 400 {
		t.Errorf("grading a deleted record: %d %s", r.Status, r.Body)
	}
}

// gradeSheet reads a class's L6a grade sheet.
func gradeSheet(t *testing.T, env *stacktest.Env, url string) enrollment.GradeSheet {
	t.Helper()
	var s enrollment.GradeSheet
	r := env.As(t, "moi.course", "GET", url, nil)
	if r.Status != 200 {
		t.Fatalf("GET %s: %d %s", url, r.Status, r.Body)
	}
	r.JSON(t, &s)
	return s
}

// gradedClass transfers a 內政部 class that ended yesterday with at least
// three approved enrollees and answers it with its sheet's URL.
func gradedClass(t *testing.T, env *stacktest.Env) (catalog.Class, string) {
	t.Helper()
	yesterday := env.Day(-1)
	for _, c := range env.Data.Classes {
		if c.End == yesterday && c.Agency == demo.MOI && c.Hours >= 2 && len(approvedOf(env, c)) >= 3 {
			if _, err := env.Fire(context.Background(), "Morning", []byte(fmt.Sprintf(`{"date":%q}`, yesterday))); err != nil {
				t.Fatal(err)
			}
			return c, "/api/class-hours/" + c.CourseCode + "/" + c.Session
		}
	}
	t.Fatal("the demo has no MOI class with 3 approved enrollees that ended yesterday")
	return catalog.Class{}, ""
}

// TestConcurrentGradeSavesDoNotInterleave (issue 27, Medium 9): eighteen
// officers' saves of one class over the same sheet version at once. Before
// the sheet's version every one answered 200 and the class ended a mix of
// them; now exactly one is applied whole and every other answers 409 with
// a reason, having written nothing.
func TestConcurrentGradeSavesDoNotInterleave(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 40})
	class, url := gradedClass(t, env)
	sheet := gradeSheet(t, env, url)
	const saves = 18
	bodies := make([]map[string]any, saves)
	for i := range bodies {
		var grades []map[string]any
		for j, l := range sheet.Items { // each save a different sheet
			grades = append(grades, map[string]any{"personId": l.PersonID, "hours": (i + j) % (class.Hours + 1), "passed": (i+j)%2 == 0})
		}
		bodies[i] = map[string]any{"version": sheet.Version, "grades": grades}
	}
	status := make([]int, saves)
	answers := make([]string, saves)
	var wg sync.WaitGroup
	for i := range saves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := env.As(t, "moi.course", "PUT", url, bodies[i])
			status[i], answers[i] = r.Status, string(r.Body)
		}()
	}
	wg.Wait()
	winner := -1
	for i, st := range status {
		switch {
		case st == 200 && winner < 0:
			winner = i
		case st == 200:
			t.Errorf("saves %d and %d over one version both applied", winner, i)
		case st != 409 || !strings.Contains(answers[i], "重新整理"):
			t.Errorf("save %d: %d %s, want 409 asking to reload", i, st, answers[i])
		}
	}
	if winner < 0 {
		t.Fatalf("no save applied: %v", status)
	}
	want := map[string]map[string]any{}
	for _, g := range bodies[winner]["grades"].([]map[string]any) {
		want[g["personId"].(string)] = g
	}
	after := gradeSheet(t, env, url)
	for _, l := range after.Items {
		g := want[l.PersonID]
		if l.Hours != g["hours"].(int) || l.Passed == nil || *l.Passed != g["passed"].(bool) {
			t.Errorf("%s ends %d h passed=%v, want save %d's %v", l.PersonID, l.Hours, l.Passed, winner, g)
		}
	}
	if after.Version != sheet.Version+1 {
		t.Errorf("version %d after one save over %d", after.Version, sheet.Version)
	}
}

// A submission of decisions with one valid and one bad entry changes nothing
// (it answered 500 after approving the valid one, and approval is final).
func TestDecisionsAllOrNothing(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 120, Classes: 2})
	var moi []staff.Person
	for _, p := range env.Data.People {
		if strings.HasPrefix(p.Agency, "301") {
			moi = append(moi, p)
		}
	}
	create(t, env, "moi.course", course(env, "BATCH", nil))
	for _, p := range moi[:3] {
		if status, code := enroll(t, env, p, "BATCH", meals); status != 201 {
			t.Fatalf("enroll: %d %s", status, code)
		}
	}
	path := "/api/enrollments/BATCH/1/decisions"
	valid := map[string]string{"personId": moi[0].ID, "decision": "approve"}
	for _, tc := range []struct {
		name  string
		bad   map[string]string
		field string
	}{
		{"a 3,000-character id", map[string]string{"personId": strings.Repeat("A", 3000), "decision": "approve"}, "decisions[1].personId"},
		{"a person not enrolled", map[string]string{"personId": moi[5].ID, "decision": "approve"}, "decisions[1].personId"},
		{"an unknown decision", map[string]string{"personId": moi[1].ID, "decision": "maybe"}, "decisions[1].decision"},
		{"a rejection without a reason", map[string]string{"personId": moi[1].ID, "decision": "reject"}, "decisions[1].reason"},
		{"the same person twice", map[string]string{"personId": moi[0].ID, "decision": "approve"}, "decisions[1].personId"},
		{"a NUL in the reason", map[string]string{"personId": moi[1].ID, "decision": "reject", "reason": "a\x00b"}, "decisions[1].reason"},
	} {
		r := env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{valid, tc.bad}})
		if r.Status/100 != 4 || !strings.Contains(string(r.Body), `"field":"`+tc.field+`"`) {
			t.Errorf("%s: %d %s, want 4xx naming %s", tc.name, r.Status, r.Body, tc.field)
		}
		for _, e := range enrollees(t, env, "BATCH", "") {
			if e.Status != catalog.Pending {
				t.Fatalf("%s: a refused submission decided %+v", tc.name, e)
			}
		}
	}
	r := env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{valid,
		{"personId": moi[1].ID, "decision": "reject", "reason": "名額保留給業務承辦人"}}})
	if r.Status != 200 {
		t.Fatalf("a valid submission: %d %s", r.Status, r.Body)
	}
	// Approving a rejected enrollment with a pending one: neither is applied.
	r = env.As(t, "moi.course", "POST", path, map[string]any{"decisions": []map[string]string{
		{"personId": moi[2].ID, "decision": "approve"}, {"personId": moi[1].ID, "decision": "approve"}}})
	if r.Status != 409 || len(enrollees(t, env, "BATCH", catalog.Pending)) != 1 {
		t.Errorf("approving a rejected one: %d %s", r.Status, r.Body)
	}
}

func approvedOf(env *stacktest.Env, c catalog.Class) []string {
	var out []string
	for _, e := range env.Data.Enrollments {
		if e.CourseCode == c.CourseCode && e.Session == c.Session && e.Status == catalog.Approved {
			out = append(out, e.PersonID)
		}
	}
	return out
}
