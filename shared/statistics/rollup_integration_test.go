package statistics_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
)

// TestStatisticsRollups: the subtree figures are the sums of the agencies'
// own; a change of records is not seen before the next computation and is
// after 重新計算 (which also re-sums the ancestors' figures); a worker that
// fails for one top-level agency leaves every stored figure as it was, and
// its retry rewrites its own agency's only.
func TestStatisticsRollups(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 250, Classes: 10})
	ctx := context.Background()
	y := env.Year()
	ys := "&year=" + strconv.Itoa(y)
	rolled := rollup(t, env)

	ag := agency.Repo{Table: env.Tables.Directory}
	moi, err := ag.Get(ctx, demo.MOI)
	if err != nil {
		t.Fatal(err)
	}
	scope, err := ag.Subtree(ctx, moi)
	if err != nil {
		t.Fatal(err)
	}

	// 含所屬機關 = the sum of 本機關 over the agency and each subordinate;
	// rates and averages recomputed from the sums.
	type key struct{ a, b string }
	sums := map[string]map[key][]int{} // report → row → summed columns
	cols := map[string][]string{"P8": {"staff", "completed"}, "P9": {"staff", "participants", "totalHours"}, "R3": {"men", "women"}}
	rowKey := map[string][2]string{"P8": {"requirement", ""}, "P9": {"personnelCategory", "group"}, "R3": {"level", "category"}}
	user := map[string]string{"P8": "moi.hr", "P9": "moi.hr", "R3": "moi.admin"}
	for id := range cols {
		sums[id] = map[key][]int{}
		for _, a := range scope {
			for _, r := range get(t, env, user[id], "/api/reports/"+id+"?scope=self&agency="+a.Code+ys).Rows {
				k := key{str(r[rowKey[id][0]]), str(r[rowKey[id][1]])}
				if sums[id][k] == nil {
					sums[id][k] = make([]int, len(cols[id]))
				}
				for i, c := range cols[id] {
					sums[id][k][i] += num(t, r[c])
				}
			}
		}
		tree := get(t, env, user[id], "/api/reports/"+id+"?scope=subtree"+ys)
		if tree.ComputedAt == nil || !tree.ComputedAt.Equal(rolled) {
			t.Errorf("%s 含所屬機關: 統計時間 %v, want the rollup's %v", id, tree.ComputedAt, rolled)
		}
		nonzero := 0
		for _, r := range tree.Rows {
			k := key{str(r[rowKey[id][0]]), str(r[rowKey[id][1]])}
			sum := sums[id][k]
			if sum == nil {
				sum = make([]int, len(cols[id]))
			}
			for i, c := range cols[id] {
				if got := num(t, r[c]); got != sum[i] {
					t.Errorf("%s 含所屬機關 %v %s = %d, the sum of 本機關 is %d", id, k, c, got, sum[i])
				}
				nonzero += sum[i]
			}
			switch id {
			case "P8":
				if rate(r["rate"]) != want(sum[1], sum[0], true) {
					t.Errorf("P8 %v rate %s, want %s from the sums", k, r["rate"], want(sum[1], sum[0], true))
				}
			case "P9":
				if rate(r["participationRate"]) != want(sum[1], sum[0], true) || rate(r["averageHours"]) != want(sum[2], sum[0], false) {
					t.Errorf("P9 %v rates %s %s, want them from the sums", k, r["participationRate"], r["averageHours"])
				}
			case "R3":
				if rate(r["womenShare"]) != want(sum[1], sum[0]+sum[1], true) {
					t.Errorf("R3 %v women's share %s, want it from the sums", k, r["womenShare"])
				}
			}
		}
		if len(tree.Rows) == 0 || (id != "R3" && nonzero == 0) {
			t.Errorf("%s 含所屬機關 has nothing to compare: %d rows, sum %d", id, len(tree.Rows), nonzero)
		}
	}

	// A record written now is not in the figures until they are computed again.
	var mine, npa staff.Person
	for _, p := range env.Data.People {
		if p.Agency == demo.MOI && mine.ID == "" {
			mine = p
		}
		if p.Agency == demo.MOINPA && npa.ID == "" {
			npa = p
		}
	}
	if mine.ID == "" || npa.ID == "" {
		t.Fatal("the demo has no one in 內政部 or 警政署")
	}
	recs := records.Repo{Table: env.Tables.Records}
	write := func(p staff.Person, id string, hours int) {
		t.Helper()
		yes := true
		end := fmt.Sprintf("%d-06-01", y)
		if err := recs.WriteRecords(ctx, []records.Record{{PersonID: p.ID, ID: "T#" + id, Agency: p.Agency, Year: y, Source: records.SourceExternal,
			CourseName: "測試" + id, Category: "11111", Start: end, End: end, Hours: hours, Passed: &yes, Status: records.Final, Nature: "physical"}}); err != nil {
			t.Fatal(err)
		}
		env.WaitSummaries(t) // the summaries follow from the Records stream
	}
	p10 := func(scope string) (int, time.Time) {
		t.Helper()
		a := get(t, env, "moi.hr", "/api/reports/P10?scope="+scope+ys)
		if a.ComputedAt == nil {
			t.Fatalf("P10 %s has no 統計時間", scope)
		}
		return num(t, a.Total["totalHours"]), *a.ComputedAt
	}
	self0, _ := p10("self")
	tree0, _ := p10("subtree")
	write(mine, "rollup-a", 7)
	if h, at := p10("self"); h != self0 || !at.Equal(rolled) {
		t.Errorf("before 重新計算: P10 本機關 %d hours at %v, want last night's %d at %v", h, at, self0, rolled)
	}

	// 重新計算 of the active agency (內政部): recorded, answered 202 at once,
	// computed by the rollup worker (RollupFunction, invoked asynchronously).
	if res := env.As(t, "moi.hr", "POST", "/api/statistics/recompute", map[string]any{"year": y - 3}); res.Status != 400 || res.Code() != "invalid_input" {
		t.Errorf("重新計算 of a year without rollups: %d %s", res.Status, res.Body)
	}
	if res := env.As(t, "moi.hr", "GET", "/api/statistics/recompute?year="+strconv.Itoa(y), nil); res.Status != 404 {
		t.Errorf("state of a 重新計算 never asked: %d %s", res.Status, res.Body)
	}
	store := statistics.Rollups{Table: env.Tables.Directory}
	treeOf := func(code string) statistics.Rollup {
		t.Helper()
		got, err := store.GetMany(ctx, []statistics.RollupKey{{Agency: code, Year: y, Kind: statistics.Tree}})
		if err != nil {
			t.Fatal(err)
		}
		return got[statistics.RollupKey{Agency: code, Year: y, Kind: statistics.Tree}]
	}
	ans := recompute(t, env, "moi.hr", y, demo.MOI)
	if !ans.After(rolled) {
		t.Errorf("重新計算 done at %v, want after the nightly %v", ans, rolled)
	}
	if got := treeOf(demo.MOI).Computed; !got.Equal(ans) {
		t.Errorf("內政部's subtree rollup computed %v after 重新計算, want %v", got, ans)
	}
	if h, at := p10("self"); h != self0+7 || !at.Equal(ans) {
		t.Errorf("after 重新計算: P10 本機關 %d hours at %v, want %d at %v", h, at, self0+7, ans)
	}
	if h, _ := p10("subtree"); h != tree0+7 {
		t.Errorf("after 重新計算: P10 含所屬機關 %d hours, want %d", h, tree0+7)
	}
	// Again inside the cooldown: refused, saying when it may be asked; a
	// statistics account may not ask at all.
	if res := env.As(t, "moi.hr", "POST", "/api/statistics/recompute", map[string]any{"year": y}); res.Status != 409 || res.Code() != "conflict" ||
		!strings.Contains(string(res.Body), "後再要求") {
		t.Errorf("a second 重新計算 inside the cooldown: %d %s", res.Status, res.Body)
	}
	stats := env.StatsLogin(t, "stats.moi", "Demo-Stats-2026!")
	if res := env.Do(t, "POST", "/api/statistics/recompute", stats, map[string]any{"year": y - 1}); res.Status != 403 {
		t.Errorf("重新計算 by a statistics account: %d %s", res.Status, res.Body)
	}

	// 重新計算 of a subordinate (moi.hr acting for 警政署) re-sums its
	// ancestors: 內政部's subtree figures count 警政署's new hours, and are
	// still the sum of their parts.
	before := treeOf(demo.MOI).Figures.People.Total
	write(npa, "rollup-b", 5)
	if r := env.As(t, "moi.hr", "PUT", "/api/me/agency", map[string]string{"agency": demo.MOINPA}); r.Status != 204 {
		t.Fatalf("switch to 警政署: %d %s", r.Status, r.Body)
	}
	npaAt := recompute(t, env, "moi.hr", y, demo.MOINPA)
	if r := env.As(t, "moi.hr", "PUT", "/api/me/agency", map[string]string{"agency": demo.MOI}); r.Status != 204 {
		t.Fatalf("switch back to 內政部: %d %s", r.Status, r.Body)
	}
	if got := treeOf(demo.MOINPA).Computed; !got.Equal(npaAt) {
		t.Errorf("警政署's subtree rollup computed %v, want %v", got, npaAt)
	}
	if got := treeOf(demo.MOI).Figures.People.Total; got != before+5 {
		t.Errorf("內政部's subtree after 警政署's 重新計算: %d hours, want %d", got, before+5)
	}
	c := lambdafn.Core{Tables: env.Tables, Now: env.Now}
	roller := lambdafn.Roller(c)
	var keys []statistics.RollupKey
	for _, a := range scope {
		keys = append(keys, statistics.RollupKey{Agency: a.Code, Year: y, Kind: statistics.Own})
	}
	own, err := store.GetMany(ctx, keys)
	if err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, a := range scope {
		if a.Kind != agency.KindEnterprise {
			sum += own[statistics.RollupKey{Agency: a.Code, Year: y, Kind: statistics.Own}].Figures.People.Total
		}
	}
	if got := treeOf(demo.MOI).Figures.People.Total; got != sum {
		t.Errorf("內政部's subtree counts %d hours, its agencies' own %d", got, sum)
	}

	// A worker failing for another top-level agency changes nothing stored;
	// its retry rewrites that agency's figures, never 內政部's.
	roots, err := roller.Roots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// another top-level agency with people below it
	other, otherScope := "", []agency.Agency(nil)
	var victim staff.Person
	for _, r := range roots {
		if r == demo.MOI || victim.ID != "" {
			continue
		}
		a, err := ag.Get(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		sub, err := ag.Subtree(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		in := map[string]bool{}
		for _, x := range sub {
			in[x.Code] = true
		}
		for _, p := range env.Data.People {
			if in[p.Agency] {
				other, otherScope, victim = r, sub, p
				break
			}
		}
	}
	if victim.ID == "" || len(otherScope) < 2 {
		t.Fatalf("no other top-level agency with people and subordinates (%s: %d agencies)", other, len(otherScope))
	}
	snapshot := func() string {
		t.Helper()
		var ks []statistics.RollupKey
		for _, a := range append(append([]agency.Agency(nil), scope...), otherScope...) {
			for _, yy := range statistics.Years(env.Now()) {
				ks = append(ks, statistics.RollupKey{Agency: a.Code, Year: yy, Kind: statistics.Own}, statistics.RollupKey{Agency: a.Code, Year: yy, Kind: statistics.Tree})
			}
		}
		got, err := store.GetMany(ctx, ks)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ks) {
			t.Fatalf("%d of %d rollups stored", len(got), len(ks))
		}
		list := make([]statistics.Rollup, len(ks))
		for i, k := range ks {
			list[i] = got[k]
		}
		b, err := json.Marshal(list) // figures by value, maps with sorted keys
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	stored := snapshot()
	write(victim, "rollup-c", 9)
	broken := roller
	broken.Reports.People = failing{People: staff.Repo{Table: env.Tables.Directory}, agency: otherScope[len(otherScope)-1].Code}
	if _, err := broken.Roll(ctx, other); err == nil {
		t.Fatal("a worker whose staff read fails reported success")
	}
	if snapshot() != stored {
		t.Error("a failed worker changed stored rollups")
	}
	if _, err := roller.Roll(ctx, other); err != nil {
		t.Fatal(err)
	}
	if got := treeOf(other); got.Computed.Before(ans) {
		t.Errorf("%s after the retry: computed %v", other, got.Computed)
	}
	if got := treeOf(demo.MOI); !got.Computed.Equal(ans) || got.Figures.People.Total != sum {
		t.Errorf("內政部's figures after another agency's worker: %v, %d hours, want %v (the oldest figures it sums) and %d", got.Computed, got.Figures.People.Total, ans, sum)
	}
	// the national figures are the sum of the top-level agencies'
	total := 0
	for _, r := range roots {
		total += treeOf(r).Figures.People.Total
	}
	if got := treeOf(statistics.National); got.Figures == nil || got.Figures.People.Total != total {
		t.Errorf("national figures: %+v, want %d hours", got, total)
	}
	splitRollups(t, env)
}

// recompute asks for 重新計算 as user (acting for agency) and answers its
// new 統計時間: 202 with the request queued, then, once the asynchronous
// worker ran, the request's state done.
func recompute(t *testing.T, env *stacktest.Env, user string, year int, agency string) time.Time {
	t.Helper()
	var req statistics.RecomputeRequest
	res := env.As(t, user, "POST", "/api/statistics/recompute", map[string]any{"year": year})
	if res.Status != 202 {
		t.Fatalf("重新計算: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &req)
	if req.Agency != agency || req.Year != year || req.State != statistics.Queued || req.ComputedAt != nil ||
		req.NextAt.Sub(req.RequestedAt) != statistics.RecomputeCooldown {
		t.Fatalf("重新計算 answered %+v, want %s %d queued", req, agency, year)
	}
	env.WaitAsync()
	res = env.As(t, user, "GET", "/api/statistics/recompute?year="+strconv.Itoa(year), nil)
	if res.Status != 200 {
		t.Fatalf("重新計算's state: %d %s", res.Status, res.Body)
	}
	var done statistics.RecomputeRequest
	res.JSON(t, &done)
	if done.State != statistics.Finished || done.ComputedAt == nil || !done.RequestedAt.Equal(req.RequestedAt) || done.ComputedAt.Before(req.RequestedAt) {
		t.Fatalf("重新計算's state after the worker: %+v (asked %v)", done, req.RequestedAt)
	}
	return *done.ComputedAt
}

// failing fails the staff read of one agency.
type failing struct {
	statistics.People
	agency string
}

func (f failing) Page(ctx context.Context, a string, fl staff.Filter, after string, limit int) ([]staff.Person, string, error) {
	if a == f.agency {
		return nil, "", errors.New("throttled")
	}
	return f.People.Page(ctx, a, fl, after, limit)
}

// The national sum is written only at the generation it read: a worker that
// read before another wrote is refused (and sums again), whichever finishes
// last; an item from before generations (a sum of times) is replaced.
func TestNationalSumIsWrittenAtItsReadGeneration(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	store := statistics.Rollups{Table: env.Tables.Directory}
	at := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	national := func(staff int) statistics.Rollup {
		return statistics.Rollup{Agency: statistics.National, Year: 2026, Kind: statistics.Tree, Computed: at,
			Figures: &statistics.Figures{People: statistics.Counts{Staff: staff}}}
	}
	k := statistics.RollupKey{Agency: statistics.National, Year: 2026, Kind: statistics.Tree}
	// Written by the code before generations: a sum of times, no gen.
	if err := env.Tables.Directory.Put(map[string]any{"pk": "ROLLUP#" + statistics.National + "#2026", "sk": statistics.Tree,
		"computed": at, "sig": "", "data": `{}`, "seen": int64(9e15)}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	gen := func() int64 {
		g, _, err := store.NationalRead(ctx, 2026, nil)
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	for i, step := range []struct {
		staff   int
		gen     int64 // read at
		written bool
		want    int
	}{
		{2, 0, true, 2},  // over the old item
		{1, 0, false, 2}, // read before that write: refused
		{3, 1, true, 3},
		{4, 1, false, 3},
		{5, 2, true, 5},
	} {
		if i == 0 && gen() != 0 {
			t.Fatalf("an item without a generation reads as %d, want 0", gen())
		}
		written, err := store.PutNational(ctx, national(step.staff), step.gen)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.GetMany(ctx, []statistics.RollupKey{k})
		if err != nil {
			t.Fatal(err)
		}
		if n := got[k].Figures.People.Staff; written != step.written || n != step.want {
			t.Errorf("a sum of %d read at generation %d: written %v, %d stored; want %v, %d", step.staff, step.gen, written, n, step.written, step.want)
		}
	}
	if g := gen(); g != 3 {
		t.Errorf("generation after three writes: %d, want 3", g)
	}
}

// A 重新計算 of an agency and year is refused within the cooldown of the
// last one, unless that one failed; the worker marks only its own request
// (not a newer one), and a request whose worker could not start is
// withdrawn.
func TestRecomputeCooldown(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	store := statistics.Rollups{Table: env.Tables.Directory}
	t0 := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	const code = "301000000A"
	for _, step := range []struct {
		name  string
		at    time.Duration
		ok    bool
		state string // the latest request's state afterwards
	}{
		{"first", 0, true, statistics.Queued},
		{"inside the cooldown", statistics.RecomputeCooldown - time.Second, false, statistics.Queued},
		{"at its end", statistics.RecomputeCooldown, true, statistics.Queued},
		{"again inside", statistics.RecomputeCooldown + time.Minute, false, statistics.Queued},
	} {
		req, ok, err := store.Ask(ctx, code, 2026, t0.Add(step.at))
		if err != nil {
			t.Fatal(err)
		}
		if ok != step.ok || req.State != step.state {
			t.Errorf("%s: ok %v, %+v; want ok %v", step.name, ok, req, step.ok)
		}
		if !ok && req.RequestedAt.After(t0.Add(step.at)) {
			t.Errorf("%s: refused with a request from the future %v", step.name, req.RequestedAt)
		}
	}
	latest, err := store.Request(ctx, code, 2026)
	if err != nil || !latest.RequestedAt.Equal(t0.Add(statistics.RecomputeCooldown)) {
		t.Fatalf("latest request %+v %v, want the one asked at the cooldown's end", latest, err)
	}
	if _, err := store.Request(ctx, code, 2025); !errors.Is(err, statistics.ErrNoRequest) {
		t.Errorf("another year's request: %v, want ErrNoRequest", err)
	}

	// The worker of the older request (it carries its request time) leaves
	// the newer one alone; the newer one's worker fails: asking again is
	// allowed at once.
	roller := lambdafn.Roller(lambdafn.Core{Tables: env.Tables, Now: func() time.Time { return t0 }})
	old := statistics.RecomputeRequest{Agency: code, Year: 2026, RequestedAt: t0}
	if _, err := roller.Job(ctx, old.JobID()); err == nil {
		t.Error("a 重新計算 of an agency not in the tree succeeded")
	}
	if got, _ := store.Request(ctx, code, 2026); got.State != statistics.Queued {
		t.Errorf("an older request's worker changed the newer request: %+v", got)
	}
	if _, err := roller.Job(ctx, latest.JobID()); err == nil {
		t.Error("a 重新計算 of an agency not in the tree succeeded")
	}
	failed, _ := store.Request(ctx, code, 2026)
	if failed.State != statistics.Failed || !failed.NextAt.Equal(failed.RequestedAt) {
		t.Errorf("after its worker failed: %+v, want failed and askable at once", failed)
	}
	again, ok, err := store.Ask(ctx, code, 2026, t0.Add(statistics.RecomputeCooldown+2*time.Minute))
	if err != nil || !ok || again.State != statistics.Queued {
		t.Errorf("asking after a failure: %+v %v %v", again, ok, err)
	}
	// a job whose year stopped being a rollup year (asked before New Year) fails its request
	old2020, _, err := store.Ask(ctx, code, 2020, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := roller.Job(ctx, old2020.JobID()); err == nil {
		t.Error("a 重新計算 of 2020 in 2026 succeeded")
	}
	if got, _ := store.Request(ctx, code, 2020); got.State != statistics.Failed {
		t.Errorf("a job of a year no longer rolled up left its request %+v", got)
	}
	if err := store.Withdraw(ctx, again); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Request(ctx, code, 2026); !errors.Is(err, statistics.ErrNoRequest) {
		t.Errorf("a withdrawn request is still there: %v", err)
	}
}
