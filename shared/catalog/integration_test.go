package catalog_test

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type view struct {
	catalog.Class
	Visibility string `json:"visibility"`
}

type classPage struct {
	Items []view `json:"items"`
	Next  string `json:"next"`
}

// course is a course form starting on start, open for enrollment from the stack's today.
func course(env *stacktest.Env, code string, start time.Time) map[string]any {
	d := func(t time.Time) string { return t.Format(time.DateOnly) }
	return map[string]any{"courseCode": code, "session": "1", "name": "ＡＩ資安實務研習班", "category": "3111",
		"nature": "physical", "method": "open", "start": d(start), "end": d(start.AddDate(0, 0, 1)),
		"unit": "day", "amount": 2, "enrollStart": env.Day(0), "enrollEnd": d(start.AddDate(0, 0, -1)),
		"capacity": 30, "stopWhenFull": true, "fee": 0, "restriction": "323*", "survey": []string{"accommodation"},
		"subjects": []string{"生成式AI資安"}, "lecturers": []map[string]string{{"name": "鄭新講"}}, "location": "臺北市"}
}

// soon is ten days after the stack's today (Taipei). Near the year's end that
// is next year, so searches name its year rather than take "this year".
func soon(env *stacktest.Env) time.Time { return roc.Day(env.Now()).AddDate(0, 0, 10) }

func TestCourseLifecycle(t *testing.T) { stacktest.EachClock(t, courseLifecycle) }

func courseLifecycle(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 30, At: at})
	moi := env.Token(t, "moi.course")

	// Refused input adds nothing: not the class, not its typed subject or lecturer.
	bad := course(env, "MOI-T1", soon(env))
	bad["amount"] = 1.5
	if r := env.Do(t, "POST", "/api/courses", moi, bad); r.Status != 400 || r.Code() != "invalid_input" {
		t.Fatalf("decimal hours: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/lecturers?name="+url.QueryEscape("鄭新講"), moi, nil); r.Status != 200 || strings.Contains(string(r.Body), "鄭新講") {
		t.Fatalf("a refused course added its typed lecturer: %d %s", r.Status, r.Body)
	}

	r := env.Do(t, "POST", "/api/courses", moi, course(env, "moi-t1", soon(env)))
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var c view
	r.JSON(t, &c)
	if c.CourseCode != "MOI-T1" || c.Hours != 12 || c.Restriction != "323*" || c.Visibility != catalog.Online ||
		len(c.Lecturers) != 1 || c.Lecturers[0].ID == "" {
		t.Fatalf("created: %+v", c)
	}
	if r := env.Do(t, "POST", "/api/courses", moi, course(env, "MOI-T1", soon(env))); r.Status != 409 || r.Code() != "conflict" {
		t.Fatalf("duplicate code+session: %d %s", r.Status, r.Body)
	}

	// The typed lecturer is in the database once, even when typed again.
	again := course(env, "MOI-T1", soon(env))
	again["session"] = "2"
	if r := env.Do(t, "POST", "/api/courses", moi, again); r.Status != 201 {
		t.Fatalf("second session: %d %s", r.Status, r.Body)
	}
	var lects struct{ Items []catalog.Lecturer }
	env.Do(t, "GET", "/api/lecturers?name="+url.QueryEscape("新講"), moi, nil).JSON(t, &lects)
	if len(lects.Items) != 1 || lects.Items[0].Name != "鄭新講" || lects.Items[0].Subjects[0] != "生成式AI資安" {
		t.Fatalf("typed lecturer: %+v", lects.Items)
	}
	var subs struct{ Items []catalog.Subject }
	env.Do(t, "GET", "/api/subjects?q="+url.QueryEscape("ＡＩ資"), moi, nil).JSON(t, &subs)
	if len(subs.Items) != 1 || subs.Items[0].Name != "生成式AI資安" {
		t.Fatalf("typed subject by full-width query: %+v", subs.Items)
	}

	// Edit: a stale version is refused; capacity cannot go under the enrolled.
	path := "/api/courses/MOI-T1/1"
	edit := course(env, "MOI-T1", soon(env))
	edit["name"] = "AI資安實務進階班"
	edit["updated"] = c.Updated.Add(-time.Second)
	if r := env.Do(t, "PUT", path, moi, edit); r.Status != 409 {
		t.Fatalf("stale edit: %d %s", r.Status, r.Body)
	}
	edit["updated"] = c.Updated
	if r := env.Do(t, "PUT", path, moi, edit); r.Status != 200 {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	var found classPage
	env.Do(t, "GET", fmt.Sprintf("/api/courses?year=%d&name=%s", soon(env).Year(), url.QueryEscape("ai資安實務 進階")), moi, nil).JSON(t, &found)
	if len(found.Items) != 1 || found.Items[0].Name != "AI資安實務進階班" {
		t.Fatalf("search by half-width, lower case and a space: %+v", found.Items)
	}

	// Another agency cannot read or change it.
	tpe := env.Token(t, "tpe.admin")
	// Another agency's class answers exactly as a class that does not exist,
	// so other agencies' course codes cannot be probed.
	code, session := path[len("/api/courses/"):strings.LastIndex(path, "/")], path[strings.LastIndex(path, "/")+1:]
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		var body, unknownBody any
		if m == "PUT" {
			body, unknownBody = edit, map[string]any{}
			for k, v := range edit {
				unknownBody.(map[string]any)[k] = v
			}
			unknownBody.(map[string]any)["courseCode"] = "NOSUCH"
		}
		r, unknown := env.Do(t, m, path, tpe, body), env.Do(t, m, "/api/courses/NOSUCH/"+session, tpe, unknownBody)
		if r.Status != 404 || r.Code() != "not_found" || unknown.Status != 404 ||
			strings.ReplaceAll(string(r.Body), code, "NOSUCH") != string(unknown.Body) {
			t.Fatalf("other agency %s: %d %q; unknown: %d %q", m, r.Status, r.Body, unknown.Status, unknown.Body)
		}
	}

	// Cancel: it leaves the front stage; a class with enrollments cannot be deleted.
	if r := env.Do(t, "POST", path+"/cancel", moi, nil); r.Status != 200 || r.Map(t)["visibility"] != catalog.Withdrawn {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	var front classPage
	for next := ""; ; {
		var p classPage
		env.Do(t, "GET", "/api/front/classes?limit=100&next="+next, "", nil).JSON(t, &p)
		front.Items = append(front.Items, p.Items...)
		if next = p.Next; next == "" {
			break
		}
	}
	sawSecond := false
	for _, v := range front.Items {
		if v.Visibility != catalog.Online {
			t.Errorf("front stage shows %s (%s)", v.Key(), v.Visibility)
		}
		if v.CourseCode == "MOI-T1" && v.Session == "1" {
			t.Error("front stage shows a cancelled class")
		}
		sawSecond = sawSecond || (v.CourseCode == "MOI-T1" && v.Session == "2")
	}
	if !sawSecond {
		t.Error("front stage misses a visible class")
	}
	var enrolled catalog.Class
	for _, k := range env.Data.Classes {
		if k.Agency == demo.MOI && k.Enrolled > 0 {
			enrolled = k
			break
		}
	}
	if r := env.Do(t, "DELETE", fmt.Sprintf("/api/courses/%s/%s", enrolled.CourseCode, enrolled.Session), moi, nil); r.Status != 409 {
		t.Fatalf("delete with enrollments: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "DELETE", "/api/courses/MOI-T1/2", moi, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/courses/MOI-T1/2", moi, nil); r.Status != 404 || r.Code() != "not_found" {
		t.Fatalf("deleted class: %d %s", r.Status, r.Body)
	}
}

func TestCourseSearchPagesStably(t *testing.T) { stacktest.EachClock(t, courseSearchPagesStably) }

func courseSearchPagesStably(t *testing.T, at time.Time) {
	env := stacktest.Start(t, stacktest.Options{People: 300, Classes: 300, At: at})
	moi := env.Token(t, "moi.course")
	year := soon(env).Year()
	// Seven matching classes among the demo's, and two near misses.
	q := "分頁測試"
	want := map[string]bool{}
	for i := range 9 {
		in := course(env, fmt.Sprintf("PAGE-%d", i), soon(env))
		in["name"] = fmt.Sprintf("分頁測試第 %d 班", i)
		if i >= 7 {
			in["name"] = fmt.Sprintf("分頁之測試 %d", i)
		} else {
			want[catalog.ClassKey(fmt.Sprintf("PAGE-%d", i), "1")] = true
		}
		if r := env.Do(t, "POST", "/api/courses", moi, in); r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
	}
	for _, c := range env.Data.Classes {
		if c.Agency == demo.MOI && c.Year == year && strings.Contains(c.Name, q) {
			want[c.Key()] = true
		}
	}
	got := map[string]bool{}
	pages, next := 0, ""
	for {
		var p classPage
		r := env.Do(t, "GET", fmt.Sprintf("/api/courses?year=%d&limit=2&name=%s&next=%s", year, url.QueryEscape(q), next), moi, nil)
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		r.JSON(t, &p)
		for _, c := range p.Items {
			if got[c.Key()] {
				t.Errorf("%s on two pages", c.Key())
			}
			got[c.Key()] = true
		}
		pages++
		if next = p.Next; next == "" {
			break
		}
	}
	if len(got) != len(want) {
		t.Errorf("paged search found %d classes, want %d", len(got), len(want))
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing %s", k)
		}
	}
	if pages < 2 {
		t.Errorf("%d pages for %d results at 2 a page", pages, len(got))
	}
	// With no year the search is this year's, a Taipei year.
	var def classPage
	env.Do(t, "GET", "/api/courses?limit=100&name="+url.QueryEscape(q), moi, nil).JSON(t, &def)
	for _, c := range def.Items {
		if c.Year != env.Year() {
			t.Errorf("default search (this year %d) gave %s of %d", env.Year(), c.Key(), c.Year)
		}
	}
	if r := env.Do(t, "GET", "/api/courses?next=!!!", moi, nil); r.Status != 400 {
		t.Errorf("bad cursor: %d", r.Status)
	}
}

func TestLecturerDatabaseHidesPrivateData(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 100, Classes: 5})
	tpe := env.Token(t, "tpe.admin")
	moi := env.Token(t, "moi.course")

	r := env.Do(t, "GET", "/api/lecturer-db?name="+url.QueryEscape("王大"), tpe, nil)
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	body := string(r.Body)
	if !strings.Contains(body, "王大明") || !strings.Contains(body, "內政部") {
		t.Errorf("public MOI lecturer not found from TPE: %s", body)
	}
	for _, private := range []string{"phone", "nationalId", "address", "email", "02-2"} {
		if strings.Contains(body, private) {
			t.Errorf("lecturer database shows %q: %s", private, body)
		}
	}
	if r := env.Do(t, "GET", "/api/lecturer-db?name="+url.QueryEscape("李小華"), tpe, nil); r.Status != 200 || strings.Contains(string(r.Body), "李小華") {
		t.Errorf("a private lecturer is found by another agency: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/lecturer-db/demo00001", tpe, nil); r.Status != 404 || r.Code() != "not_found" {
		t.Errorf("private lecturer by id: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/lecturer-db?subject="+url.QueryEscape("資訊安"), tpe, nil); !strings.Contains(string(r.Body), "王大明") {
		t.Errorf("subject-only search misses 王大明: %s", r.Body)
	}

	// Only the owning agency edits or deletes; L3 lists only one's own.
	// Another agency's lecturer answers exactly as an unknown id.
	edit := map[string]any{"name": "王大明", "subjects": []string{"資訊安全"}, "updated": time.Now()}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		var body any
		if m == "PUT" {
			body = edit
		}
		r, unknown := env.Do(t, m, "/api/lecturers/demo00000", tpe, body), env.Do(t, m, "/api/lecturers/nosuch", tpe, body)
		if r.Status != 404 || r.Code() != "not_found" || string(r.Body) != string(unknown.Body) {
			t.Errorf("%s other agency's lecturer: %d %s; unknown: %s", m, r.Status, r.Body, unknown.Body)
		}
	}
	if r := env.Do(t, "GET", "/api/lecturers?name="+url.QueryEscape("王大明"), tpe, nil); strings.Contains(string(r.Body), "王大明") {
		t.Errorf("L3 lists another agency's lecturer: %s", r.Body)
	}

	// Create, rename and unpublish: the index follows.
	r = env.Do(t, "POST", "/api/lecturers", moi, map[string]any{"name": "歐陽　娜娜", "subjects": []string{"大提琴賞析"},
		"public": true, "nationalId": "A123456789", "expertise": []string{"E06"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var l catalog.Lecturer
	r.JSON(t, &l)
	find := func(tok, path, q string) bool {
		r := env.Do(t, "GET", path+url.QueryEscape(q), tok, nil)
		if r.Status != 200 {
			t.Fatalf("GET %s%s: %d %s (a search that fails finds nothing, and proves nothing)", path, q, r.Status, r.Body)
		}
		return strings.Contains(string(r.Body), l.ID)
	}
	if !find(tpe, "/api/lecturer-db?name=", "陽娜") || !find(moi, "/api/lecturers?name=", "歐陽") {
		t.Fatal("new public lecturer not found")
	}
	r = env.Do(t, "PUT", "/api/lecturers/"+l.ID, moi, map[string]any{"name": "歐陽菲菲", "subjects": []string{"大提琴賞析"},
		"public": false, "updated": l.Updated})
	if r.Status != 200 {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if find(moi, "/api/lecturers?name=", "娜娜") || !find(moi, "/api/lecturers?name=", "菲菲") {
		t.Error("renamed lecturer: old name still found or new name not found")
	}
	if find(tpe, "/api/lecturer-db?name=", "歐陽") || find(tpe, "/api/lecturer-db?subject=", "大提琴") {
		t.Error("unpublished lecturer still in the lecturer database")
	}
	if r := env.Do(t, "DELETE", "/api/lecturers/"+l.ID, moi, nil); r.Status != 204 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if find(moi, "/api/lecturers?name=", "歐陽") {
		t.Error("deleted lecturer still found")
	}
}

func TestMaterialsEditOnlyOwn(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 100, Classes: 5})
	tpe := env.Token(t, "tpe.admin")
	moi := env.Token(t, "moi.course")
	var m catalog.Material
	env.Do(t, "GET", "/api/materials/demo00000", tpe, nil).JSON(t, &m)
	if m.Agency != demo.MOI {
		t.Fatalf("demo material 0 belongs to %s", m.Agency)
	}
	edit := map[string]any{"name": "改掉", "category": "311", "hours": 1, "url": "https://x.gov.tw", "published": "2026-01-01", "updated": m.Updated}
	if r := env.Do(t, "PUT", "/api/materials/demo00000", tpe, edit); r.Status != 403 || r.Code() != "agency_forbidden" {
		t.Fatalf("edit other agency's material: %d %s", r.Status, r.Body)
	}
	var after catalog.Material
	env.Do(t, "GET", "/api/materials/demo00000", moi, nil).JSON(t, &after)
	if after.Name != m.Name || !after.Updated.Equal(m.Updated) {
		t.Errorf("refused edit changed the material: %+v", after)
	}
	r := env.Do(t, "GET", "/api/materials?name="+url.QueryEscape("資訊安全"), tpe, nil)
	if !strings.Contains(string(r.Body), "戶政資訊安全數位課程") || !strings.Contains(string(r.Body), "elearnUrl") {
		t.Errorf("search: %s", r.Body)
	}
	if r := env.Do(t, "POST", "/api/materials", moi, map[string]any{"name": "", "category": "311"}); r.Status != 400 || r.Code() != "invalid_input" {
		t.Errorf("missing required field: %d %s", r.Status, r.Body)
	}
	edit["name"] = "戶政資安（新版）"
	if r := env.Do(t, "PUT", "/api/materials/demo00000", moi, edit); r.Status != 200 {
		t.Fatalf("own edit: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/materials?name="+url.QueryEscape("戶政資訊"), tpe, nil); strings.Contains(string(r.Body), "demo00000") {
		t.Errorf("old name still found after rename: %s", r.Body)
	}
}
