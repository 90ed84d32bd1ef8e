package home_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report/reporttest"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type homePage struct {
	Announcements []struct{ ID, Title, Body string }
	Todo          struct{ PendingReview, Corrections int }
	Manual        *struct{ Filename, Version string }
	FrontStage    string
}

func TestHomePage(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 400, Classes: 20})
	var page homePage
	r := env.As(t, "moi.hr", "GET", "/api/home", nil)
	if r.Status != 200 {
		t.Fatalf("home: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &page)
	ids := []string{}
	for _, a := range page.Announcements {
		ids = append(ids, a.ID)
	}
	if strings.Join(ids, ",") != "yearend,welcome" {
		t.Errorf("announcements %v, want the two live back-office ones, newest first (the expired one hidden)", ids)
	}
	// H6 counts what is really waiting in the records table for this agency.
	want, notices := 0, 0
	for _, rec := range env.Data.Records {
		if rec.Status == records.PendingReview && rec.Agency == demo.MOI {
			want++
		}
		if rec.Notice && rec.Agency == demo.MOI {
			notices++
		}
	}
	if page.Todo.PendingReview != want || page.Todo.Corrections != notices {
		t.Errorf("todo = %+v, want %d waiting for review and %d correction notices", page.Todo, want, notices)
	}
	if page.FrontStage == "" || page.Manual != nil {
		t.Errorf("front stage %q, manual %+v", page.FrontStage, page.Manual)
	}
}

func TestAnnouncements(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	if r := env.As(t, "sys.admin", "POST", "/api/announcements", map[string]any{"title": " ", "body": "x", "backOffice": true}); r.Status != 400 || r.Code() != "invalid_input" {
		t.Fatalf("empty title: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "sys.admin", "POST", "/api/announcements", map[string]any{"title": "t", "body": "x"}); r.Status != 400 {
		t.Fatalf("no place chosen: %d %s", r.Status, r.Body)
	}
	r := env.As(t, "sys.admin", "POST", "/api/announcements", map[string]any{"title": "停電通知", "body": "本週六停電。", "backOffice": true})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.Map(t)["id"].(string)
	titles := func() string {
		var page homePage
		env.As(t, "moi.course", "GET", "/api/home", nil).JSON(t, &page)
		var out []string
		for _, a := range page.Announcements {
			out = append(out, a.Title)
		}
		return strings.Join(out, "|")
	}
	if !strings.HasPrefix(titles(), "停電通知|") {
		t.Fatalf("new announcement not first on the home page: %s", titles())
	}
	if r := env.As(t, "sys.admin", "PUT", "/api/announcements/"+id, map[string]any{"title": "停電通知（更正）", "body": "改為週日。", "backOffice": true}); r.Status != 200 {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if !strings.HasPrefix(titles(), "停電通知（更正）|") {
		t.Fatalf("edited title not shown: %s", titles())
	}
	if r := env.As(t, "sys.admin", "POST", "/api/announcements/"+id+"/expire", nil); r.Status != 200 {
		t.Fatalf("expire: %d %s", r.Status, r.Body)
	}
	if strings.Contains(titles(), "停電") {
		t.Fatalf("expired announcement still shown: %s", titles())
	}
	if r := env.As(t, "sys.admin", "POST", "/api/announcements/nope/expire", nil); r.Status != 404 {
		t.Fatalf("expire unknown: %d", r.Status)
	}
}

func TestManualUploadAndDownload(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	if r := env.As(t, "moi.hr", "GET", "/api/home/manual", nil); r.Status != 404 {
		t.Fatalf("no manual yet: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "sys.admin", "POST", "/api/home/manual/upload-url", map[string]string{"filename": "a.exe", "version": "1"}); r.Code() != "invalid_input" {
		t.Fatalf("exe accepted: %d %s", r.Status, r.Body)
	}
	r := env.As(t, "sys.admin", "POST", "/api/home/manual/upload-url", map[string]string{"filename": "後台使用手冊.pdf", "version": "115.01"})
	if r.Status != 200 {
		t.Fatalf("upload url: %d %s", r.Status, r.Body)
	}
	up := r.Map(t)
	checkShortLived(t, up["url"].(string))
	pdf := []byte("%PDF-1.4 manual body")
	req, _ := http.NewRequest("PUT", up["url"].(string), bytes.NewReader(pdf))
	req.Header.Set("Content-Type", up["contentType"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT to presigned URL: %v %v", err, resp)
	}
	resp.Body.Close()
	if r := env.As(t, "sys.admin", "PUT", "/api/home/manual", map[string]string{"key": "manual/not-there.pdf", "filename": "x.pdf", "version": "1"}); r.Code() != "invalid_input" {
		t.Fatalf("publish a missing file: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "sys.admin", "PUT", "/api/home/manual", map[string]string{"key": "../secret", "filename": "x.pdf", "version": "1"}); r.Code() != "invalid_input" {
		t.Fatalf("publish outside manual/: %d %s", r.Status, r.Body)
	}
	if r := env.As(t, "sys.admin", "PUT", "/api/home/manual", map[string]string{"key": up["key"].(string), "filename": "後台使用手冊.pdf", "version": "115.01"}); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	dl := env.As(t, "moi.hr", "GET", "/api/home/manual", nil)
	if dl.Status != 200 {
		t.Fatalf("download link: %d %s", dl.Status, dl.Body)
	}
	link := dl.Map(t)["url"].(string)
	checkShortLived(t, link)
	got, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(body, pdf) {
		t.Fatalf("downloaded %q", body)
	}
	if cd := got.Header.Get("Content-Disposition"); !strings.Contains(cd, "%E5%BE%8C%E5%8F%B0") {
		t.Errorf("Content-Disposition %q does not keep the Chinese file name", cd)
	}
}

func checkShortLived(t *testing.T, link string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	secs, _ := strconv.Atoi(u.Query().Get("X-Amz-Expires"))
	if secs != 300 {
		t.Fatalf("presigned link lives %ds: want the default 5 minutes, not days", secs)
	}
}

// H6 counts the correction notices per year, and each year's count is the
// length of the list its link opens: P1 with that year and 僅更正通知 (P1
// lists one year at a time). Notices of last year and of six years ago (a
// year P1's select does not offer by itself) are added to the demo's.
func TestCorrectionNoticesPerYearEqualP1Lists(t *testing.T) {
	stacktest.EachClock(t, func(t *testing.T, at time.Time) {
		env := stacktest.Start(t, stacktest.Options{People: 80, Classes: 5, At: at})
		var moi []staff.Person
		for _, p := range env.Data.People {
			if p.Agency == demo.MOI {
				moi = append(moi, p)
			}
		}
		this := env.Year()
		passed := true
		var recs []records.Record
		for i, y := range []int{this - 1, this - 6, this - 6} {
			end := fmt.Sprintf("%d-03-0%d", y, i+1)
			recs = append(recs, records.Record{PersonID: moi[i].ID, ID: fmt.Sprintf("B#notice%d", i), Agency: demo.MOI, Year: y,
				Source: records.SourceExternal, CourseName: "更正課程", Category: "3111", Start: end, End: end, Hours: 2,
				Passed: &passed, Status: records.Final, Created: env.Now(), Notice: true})
		}
		if err := (records.Repo{Table: env.Tables.Records}).WriteRecords(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		var page struct {
			Todo struct {
				Corrections       int
				CorrectionsByYear []struct{ Year, Count int }
			}
		}
		if r := env.As(t, "moi.hr", "GET", "/api/home", nil); r.Status != 200 {
			t.Fatalf("home: %d %s", r.Status, r.Body)
		} else {
			r.JSON(t, &page)
		}
		got := map[int]int{}
		sum, last := 0, 1<<30
		for _, c := range page.Todo.CorrectionsByYear {
			if c.Year >= last || c.Count == 0 {
				t.Fatalf("per year %+v: want the years with notices, newest first", page.Todo.CorrectionsByYear)
			}
			last = c.Year
			listed := reporttest.All(t, env, "moi.hr", fmt.Sprintf("/api/reports/P1?year=%d&notices=1", c.Year))
			if len(listed) != c.Count {
				t.Errorf("%d: H6 counts %d notices, P1 lists %d", c.Year, c.Count, len(listed))
			}
			got[c.Year] = c.Count
			sum += c.Count
		}
		if got[this-1] != 1 || got[this-6] != 2 || sum != page.Todo.Corrections {
			t.Errorf("per year %v (total %d), want last year 1 and six years ago 2 among them, summing to the total", got, page.Todo.Corrections)
		}
	})
}
