package personnelfeed_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/personnelfeed"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// roster writes people as a 人事資料 file.
func roster(people []staff.Person) []byte {
	var b strings.Builder
	b.WriteString("身分證字號,姓名,性別,出生日期,機關代碼,服務單位,職稱,官職等,人員類別,現職狀態,電子郵件\r\n")
	for _, p := range people {
		status := p.Status
		if status == "" {
			status = "在職"
		}
		fmt.Fprintf(&b, "%s,%s,%d,%s,%s,%s,%s,%s,%s,%s,%s\r\n", p.NationalID, p.Name, p.Gender, p.Birth, p.Agency,
			p.Unit, p.Title, p.Rank, p.Category, status, p.Email)
	}
	return []byte(b.String())
}

// feedEnv is a stack with its demo people and what the test reads with.
type feedEnv struct {
	*stacktest.Env
	feed     *personnelfeed.Feed
	pipeline *imports.Pipeline
	dir      staff.Repo
}

// apply uploads a snapshot as the system administrator and runs the
// nightly batch; it answers the job and its plan.
func (e feedEnv) apply(t *testing.T, people []staff.Person) (imports.Job, personnelfeed.Plan) {
	t.Helper()
	file := roster(people)
	r := e.As(t, "sys.admin", "POST", "/api/imports", map[string]any{"kind": personnelfeed.KindID, "fileName": "roster.csv", "size": len(file)})
	if r.Status != 201 {
		t.Fatalf("start upload: %d %s", r.Status, r.Body)
	}
	var up imports.Upload
	r.JSON(t, &up)
	e.PutUpload(t, up.URL, file)
	e.run(t, up.Job.ID)
	return e.job(t, up.Job.ID), e.plan(t, up.Job.ID)
}

// run applies a job as the nightly batch's ImportApply does (the same
// pipeline, without the rest of the night: rollups take half a minute).
func (e feedEnv) run(t *testing.T, id string) {
	t.Helper()
	if _, err := e.pipeline.Apply(context.Background(), id, "test"); err != nil {
		t.Fatal(err)
	}
}

func (e feedEnv) job(t *testing.T, id string) imports.Job {
	t.Helper()
	var j imports.Job
	r := e.As(t, "sys.admin", "GET", "/api/imports/jobs/"+id, nil)
	if r.Status != 200 {
		t.Fatalf("job: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &j)
	return j
}

func (e feedEnv) plan(t *testing.T, id string) personnelfeed.Plan {
	t.Helper()
	p, err := e.feed.Plan(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e feedEnv) count(t *testing.T, ag string) int {
	t.Helper()
	n, _, err := e.dir.Count(context.Background(), ag)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (e feedEnv) person(t *testing.T, nationalID string) staff.Person {
	t.Helper()
	refs, err := e.dir.ByNationalIDs(context.Background(), []string{nationalID})
	if err != nil || refs[nationalID].ID == "" {
		t.Fatalf("%s not in the directory: %v", nationalID, err)
	}
	ps, err := e.dir.GetMany(context.Background(), []string{refs[nationalID].ID})
	if err != nil {
		t.Fatal(err)
	}
	return ps[refs[nationalID].ID]
}

// TestSnapshots runs one roster's life on one stack: the same file twice,
// create/update/move/leave, a returner, a truncated file held and rejected,
// a held snapshot confirmed.
func TestSnapshots(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{})
	ctx := context.Background()
	e := feedEnv{Env: env, dir: staff.Repo{Table: env.Tables.Directory}}
	set := settings.New(env.Getenv)
	cfg, err := settings.AWS(ctx, set)
	if err != nil {
		t.Fatal(err)
	}
	files := blob.Open(cfg, set, settings.BucketUploads)
	e.feed = &personnelfeed.Feed{Directory: env.Tables.Directory, Agencies: agency.Repo{Table: env.Tables.Directory}, Now: env.Now,
		Summaries: summary.Repo{Records: env.Tables.Records, People: e.dir, Now: env.Now}, Files: files, Bucket: files.Uploads,
		NewID: func() string { return fmt.Sprintf("feed%d", time.Now().UnixNano()) }}
	e.pipeline = &imports.Pipeline{Jobs: imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}, Files: files, Bucket: files.Uploads,
		Checkers: imports.Checkers{personnelfeed.KindID: e.feed.Spec()}, Now: env.Now}
	people := append([]staff.Person(nil), env.Data.People...)
	year := env.Year()
	counts := func() map[string]int {
		out := map[string]int{}
		for _, p := range people {
			if p.InService() {
				out[p.Agency]++
			}
		}
		return out
	}
	checkCounts := func(t *testing.T, want map[string]int) {
		t.Helper()
		for ag, n := range want {
			if got := e.count(t, ag); got != n {
				t.Errorf("staff of %s = %d, want %d (counted from the file)", ag, got, n)
			}
		}
	}

	t.Run("identical", func(t *testing.T) {
		j, p := e.apply(t, people)
		if j.Status != imports.Done || p.Status != personnelfeed.Planned || p.Unchanged != len(people) ||
			p.Added+p.Changed+p.Moved+p.Left != 0 || p.Note == "" {
			t.Fatalf("job %s %+v, plan %+v: want every row unchanged and said so", j.Status, j, p)
		}
		checkCounts(t, counts())
	})

	// A MOI person with learning this year moves to TPE.
	var mover int = -1
	sums := summary.Repo{Records: env.Tables.Records, People: e.dir}
	for i, p := range people {
		if p.Agency != demo.MOI {
			continue
		}
		if s, found, err := sums.Get(ctx, p.ID, year); err == nil && found && s.Records > 0 {
			mover = i
			break
		}
	}
	if mover < 0 {
		t.Fatal("no MOI person with records this year in the demo")
	}
	var leaver, retiree, changed int = -1, -1, -1
	for i, p := range people {
		if p.Agency == demo.MOI || p.Agency == demo.TPE {
			continue
		}
		switch {
		case leaver < 0:
			leaver = i
		case retiree < 0 && people[i].Agency != people[leaver].Agency:
			retiree = i
		case changed < 0:
			changed = i
		}
	}
	left := people[leaver]
	moverNID, changedNID := people[mover].NationalID, people[changed].NationalID

	t.Run("create update move leave", func(t *testing.T) {
		before := counts()
		people[mover].Agency = demo.TPE
		people[retiree].Status = "退休"
		people[changed].Title = "專門委員（代理）"
		newcomer := staff.Person{NationalID: nid.Generate(rand.New(rand.NewPCG(26, 26)), 1), Name: "新進者", Gender: 1, Birth: "1990-01-02", Agency: demo.MOI,
			Unit: "人事處", Title: "科員", Status: "在職", Email: "new@example.gov.tw"}
		people = append(people, newcomer)
		people = append(people[:leaver], people[leaver+1:]...)
		j, p := e.apply(t, people)
		if j.Status != imports.Done || p.Status != personnelfeed.Planned {
			t.Fatalf("job %+v plan %+v", j, p)
		}
		if p.Added != 1 || p.Moved != 1 || p.Left != 2 || p.Changed != 1 {
			t.Errorf("plan added %d moved %d left %d changed %d, want 1 1 2 1", p.Added, p.Moved, p.Left, p.Changed)
		}
		want := counts()
		checkCounts(t, want)
		if want[demo.MOI] != before[demo.MOI] || want[demo.TPE] != before[demo.TPE]+1 {
			t.Errorf("counts from the file: MOI %d→%d TPE %d→%d", before[demo.MOI], want[demo.MOI], before[demo.TPE], want[demo.TPE])
		}
		m := e.person(t, moverNID)
		if m.Agency != demo.TPE || m.ID != env.Data.People[mover].ID {
			t.Errorf("mover: %+v (want TPE, id %s kept)", m, env.Data.People[mover].ID)
		}
		s, _, err := sums.Get(ctx, m.ID, year)
		if err != nil || s.Agency != demo.TPE {
			t.Errorf("mover's summary of %d: agency %q (%v), want TPE", year, s.Agency, err)
		}
		recs, err := records.Repo{Table: env.Tables.Records}.OfPerson(ctx, m.ID, year)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			if r.Agency != demo.MOI {
				t.Errorf("record %s moved with its person: %s", r.ID, r.Agency)
			}
		}
		if n := e.person(t, newcomer.NationalID); n.Agency != demo.MOI || n.Email != newcomer.Email || n.ID == "" {
			t.Errorf("newcomer: %+v", n)
		}
		if c := e.person(t, changedNID); c.Title != "專門委員（代理）" {
			t.Errorf("update: %+v", c)
		}
		if l := e.person(t, left.NationalID); l.InService() {
			t.Errorf("missing from the snapshot but still in service: %+v", l)
		}
	})

	t.Run("returner", func(t *testing.T) {
		before := counts()
		people = append(people, left)
		j, p := e.apply(t, people)
		if j.Status != imports.Done || p.Changed != 1 {
			t.Fatalf("job %s plan %+v", j.Status, p)
		}
		if got := e.count(t, left.Agency); got != before[left.Agency]+1 {
			t.Errorf("returner's agency: %d staff, want %d", got, before[left.Agency]+1)
		}
	})

	t.Run("truncated file held, rejected", func(t *testing.T) {
		before := counts()
		j, p := e.apply(t, people[:len(people)/2])
		if p.Status != personnelfeed.Held || j.Status != imports.Staged {
			t.Fatalf("job %s plan %s: a truncated file must wait", j.Status, p.Status)
		}
		checkCounts(t, before)
		if _, err := e.feed.Decide(ctx, j.ID, "sys.admin", false); err != nil {
			t.Fatal(err)
		}
		e.run(t, j.ID)
		if j = e.job(t, j.ID); j.Status != imports.Failed {
			t.Errorf("rejected snapshot: job %s", j.Status)
		}
		checkCounts(t, before)
	})

	t.Run("held then confirmed", func(t *testing.T) {
		// Ten people leave, none the last of their agency (an agency the file
		// does not name is not in its scope).
		left := counts()
		var gone, kept []staff.Person
		for _, p := range people {
			if len(gone) < 10 && p.InService() && left[p.Agency] > 1 {
				left[p.Agency]--
				gone = append(gone, p)
				continue
			}
			kept = append(kept, p)
		}
		people = kept
		j, p := e.apply(t, people)
		if p.Status != personnelfeed.Held || p.Left != 10 {
			t.Fatalf("plan %+v: 10 of %d leave", p, p.Staff)
		}
		var held struct{ Items []personnelfeed.Plan }
		e.As(t, "sys.admin", "GET", "/api/imports/personnel/held", nil).JSON(t, &held)
		if len(held.Items) != 1 || held.Items[0].Job != j.ID || len(held.Items[0].Rows) != 10 {
			t.Errorf("held list: %+v", held)
		}
		decide := "/api/imports/personnel/plans/" + j.ID + "/decision"
		if r := e.As(t, "sys.admin", "POST", decide, map[string]any{}); r.Status != 400 {
			t.Errorf("no decision: %d %s", r.Status, r.Body)
		}
		if r := e.As(t, "sys.admin", "POST", decide, map[string]any{"confirm": true}); r.Status != 200 {
			t.Fatalf("confirm: %d %s", r.Status, r.Body)
		}
		if r := e.As(t, "sys.admin", "POST", decide, map[string]any{"confirm": true}); r.Status != 409 {
			t.Errorf("a second decision: %d %s", r.Status, r.Body)
		}
		e.run(t, j.ID)
		if j = e.job(t, j.ID); j.Status != imports.Done {
			t.Errorf("confirmed snapshot: job %s", j.Status)
		}
		for _, g := range gone {
			if e.person(t, g.NationalID).InService() {
				t.Errorf("%s still in service", g.Name)
			}
		}
		checkCounts(t, counts())
	})
}
