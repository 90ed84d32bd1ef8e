package agency_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

const newAgency = "301090000A"

func roster(d demo.Data, extra ...string) string {
	var b strings.Builder
	b.WriteString(strings.Join(agency.RosterHeader, ",") + "\r\n")
	for _, a := range d.Agencies {
		fmt.Fprintf(&b, "%s,%s,%s,%d,%s\r\n", a.Code, a.Name, a.Parent, a.Level, agency.KindNames[a.Kind])
	}
	for _, line := range extra {
		b.WriteString(line + "\r\n")
	}
	return b.String()
}

// uploads opens the stack's uploads bucket.
func uploads(t *testing.T, env *stacktest.Env) *blob.Store {
	t.Helper()
	e := settings.New(env.Getenv)
	cfg, err := settings.AWS(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return blob.Open(cfg, e, settings.BucketUploads)
}

func upload(t *testing.T, env *stacktest.Env, key string, body []byte) string {
	t.Helper()
	files := uploads(t, env)
	if err := files.Put(context.Background(), files.Uploads, key, "text/csv", bytes.NewReader(body)); err != nil {
		t.Fatal(err)
	}
	env.WaitNotifications()
	return files.Uploads
}

func subtree(t *testing.T, env *stacktest.Env, user string) string {
	var out struct{ Items []struct{ Code string } }
	env.As(t, user, "GET", "/api/agencies", nil).JSON(t, &out)
	var codes []string
	for _, a := range out.Items {
		codes = append(codes, a.Code)
	}
	return strings.Join(codes, ",")
}

func nightly(t *testing.T, env *stacktest.Env) int {
	t.Helper()
	out, err := env.Fire(context.Background(), "Nightly", nil)
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ RostersApplied int }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res.RostersApplied
}

func jobs(t *testing.T, env *stacktest.Env) []agency.Job {
	t.Helper()
	var out []agency.Job
	for _, status := range []string{agency.JobStaged, agency.JobApplied, agency.JobFailed} {
		var items []agency.Job
		if err := env.Tables.Directory.Get("gsi1pk", "ROSTERJOBS#"+status).Index("gsi1").All(context.Background(), &items); err != nil {
			t.Fatal(err)
		}
		out = append(out, items...)
	}
	return out
}

func TestRosterSyncThroughS3AndTheNightlyBatch(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	// Excel on Traditional-Chinese Windows saves Big5.
	big5, err := traditionalchinese.Big5.NewEncoder().String(roster(env.Data, newAgency+",內政部新設署,"+demo.MOI+",2,機關"))
	if err != nil {
		t.Fatal(err)
	}
	bucket := upload(t, env, "agency-roster/2026-11.csv", []byte(big5))
	js := jobs(t, env)
	if len(js) != 1 || js[0].Status != agency.JobStaged || js[0].Rows != len(env.Data.Agencies)+1 {
		t.Fatalf("after upload: jobs %+v", js)
	}
	if strings.Contains(subtree(t, env, "moi.admin"), newAgency) {
		t.Fatal("the new agency is visible before the nightly batch")
	}
	// S3 delivers at least once: the same event again stages nothing new.
	env.Deliver(bucket, "agency-roster/2026-11.csv", int64(len(big5)), js[0].ETag)
	env.WaitNotifications()
	if n := len(jobs(t, env)); n != 1 {
		t.Fatalf("a repeated notification made %d jobs", n)
	}
	if n := nightly(t, env); n != 1 {
		t.Fatalf("nightly applied %d rosters, want 1", n)
	}
	if !strings.Contains(subtree(t, env, "moi.admin"), newAgency) {
		t.Fatal("the new agency is not under 內政部 after the nightly batch")
	}
	if strings.Contains(subtree(t, env, "tpe.admin"), newAgency) {
		t.Fatal("the new 內政部 agency shows under 臺北市政府")
	}
	// The batch fired twice applies nothing twice.
	if n := nightly(t, env); n != 0 {
		t.Fatalf("second nightly applied %d", n)
	}
	js = jobs(t, env)
	if len(js) != 1 || js[0].Status != agency.JobApplied {
		t.Fatalf("job after apply: %+v", js)
	}
	// A notification redelivered after the night stages nothing again: the
	// applied job stays applied (the condition of Stage's put), so the next
	// batch does not apply the roster a second time.
	env.Deliver(bucket, "agency-roster/2026-11.csv", int64(len(big5)), js[0].ETag)
	env.WaitNotifications()
	if again := jobs(t, env); len(again) != 1 || again[0].Status != agency.JobApplied || !again[0].Created.Equal(js[0].Created) {
		t.Fatalf("job after a late redelivery: %+v", again)
	}
	if n := nightly(t, env); n != 0 {
		t.Fatalf("a late redelivery was applied again (%d)", n)
	}
}

func TestRosterWithBadRowsIsRefusedWhole(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	body := roster(env.Data, "BAD,壞機關,,1,機關", newAgency+",內政部新設署,"+demo.MOI+",2,機關")
	upload(t, env, "agency-roster/bad.csv", []byte("\ufeff"+body))
	js := jobs(t, env)
	if len(js) != 1 || js[0].Status != agency.JobFailed || len(js[0].Bad) != 1 || js[0].Bad[0].Line != len(env.Data.Agencies)+2 {
		t.Fatalf("jobs %+v", js)
	}
	if n := nightly(t, env); n != 0 {
		t.Fatalf("nightly applied a refused roster")
	}
	if strings.Contains(subtree(t, env, "moi.admin"), newAgency) {
		t.Fatal("a row of a refused roster was applied")
	}
	// A binary file named .csv gets a reason, not a crash.
	upload(t, env, "agency-roster/book.csv", []byte("PK\x03\x04\x00\x00binary"))
	var failed []agency.Job
	for _, j := range jobs(t, env) {
		if j.Key == "agency-roster/book.csv" {
			failed = append(failed, j)
		}
	}
	if len(failed) != 1 || !strings.Contains(failed[0].FileError, "不是文字檔") {
		t.Fatalf("binary roster: %+v", failed)
	}
}

// members lists the member ids a user sees (L8).
func members(t *testing.T, env *stacktest.Env, user string) string {
	t.Helper()
	var out struct{ Items []struct{ ID string } }
	r := env.As(t, user, "GET", "/api/members", nil)
	if r.Status != 200 {
		t.Fatalf("%s lists members: %d %s", user, r.Status, r.Body)
	}
	r.JSON(t, &out)
	var ids []string
	for _, m := range out.Items {
		ids = append(ids, m.ID)
	}
	return strings.Join(ids, ",")
}

// uploadMove uploads a roster that re-parents 內政部 under 行政院人事行政總處.
func uploadMove(t *testing.T, env *stacktest.Env) string {
	t.Helper()
	if strings.Contains(members(t, env, "sys.admin"), "moi.course") {
		t.Fatal("before the move, 內政部 is not under 行政院人事行政總處")
	}
	var b strings.Builder
	b.WriteString(strings.Join(agency.RosterHeader, ",") + "\r\n")
	for _, a := range env.Data.Agencies {
		parent, level := a.Parent, a.Level
		if a.Code == demo.MOI {
			parent, level = demo.DGPA, 2
		}
		fmt.Fprintf(&b, "%s,%s,%s,%d,%s\r\n", a.Code, a.Name, parent, level, agency.KindNames[a.Kind])
	}
	return upload(t, env, "agency-roster/move.csv", []byte(b.String()))
}

// movedUsersFollow checks that the administrators of the new parent find the
// moved agency's users, and the agency's own still do.
func movedUsersFollow(t *testing.T, env *stacktest.Env) {
	t.Helper()
	after := members(t, env, "sys.admin")
	for _, id := range []string{"moi.course", "moi.hr", "moi.admin"} {
		if !strings.Contains(after, id) {
			t.Errorf("after the move, sys.admin does not see %s: %s", id, after)
		}
	}
	if !strings.Contains(members(t, env, "moi.admin"), "moi.course") {
		t.Error("after the move, moi.admin lost sight of moi.course")
	}
	var stats struct{ Items []struct{ Username string } }
	env.As(t, "sys.admin", "GET", "/api/stats-accounts", nil).JSON(t, &stats)
	found := false
	for _, s := range stats.Items {
		found = found || s.Username == "stats.moi"
	}
	if !found {
		t.Errorf("after the move, sys.admin does not see stats.moi: %+v", stats.Items)
	}
}

// Re-parenting 內政部 under 行政院人事行政總處 moves its users with it: the
// administrators of the new parent find them, the agency's own still do.
func TestRosterMoveCarriesUsers(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	uploadMove(t, env)
	if n := nightly(t, env); n != 1 {
		t.Fatalf("nightly applied %d", n)
	}
	movedUsersFollow(t, env)
}
