package statistics_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
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
	recs := records.Repo{Table: env.Tables.Records, Summaries: summary.Repo{Records: env.Tables.Records, People: staff.Repo{Table: env.Tables.Directory}, Now: env.Now}}
	write := func(p staff.Person, id string, hours int) {
		t.Helper()
		yes := true
		end := fmt.Sprintf("%d-06-01", y)
		if err := recs.WriteRecords(ctx, []records.Record{{PersonID: p.ID, ID: "T#" + id, Agency: p.Agency, Year: y, Source: records.SourceExternal,
			CourseName: "測試" + id, Category: "11111", Start: end, End: end, Hours: hours, Passed: &yes, Status: records.Final, Nature: "physical"}}); err != nil {
			t.Fatal(err)
		}
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

	// 重新計算 of the active agency (內政部): its subtree now.
	if res := env.As(t, "moi.hr", "POST", "/api/statistics/recompute", map[string]any{"year": y - 3}); res.Status != 400 || res.Code() != "invalid_input" {
		t.Errorf("重新計算 of a year without rollups: %d %s", res.Status, res.Body)
	}
	var ans statistics.RecomputeAnswer
	if res := env.As(t, "moi.hr", "POST", "/api/statistics/recompute", map[string]any{"year": y}); res.Status != 200 {
		t.Fatalf("重新計算: %d %s", res.Status, res.Body)
	} else {
		res.JSON(t, &ans)
	}
	if !ans.ComputedAt.After(rolled) || ans.Agency != demo.MOI {
		t.Errorf("重新計算 answered %+v, want 內政部 after %v", ans, rolled)
	}
	if h, at := p10("self"); h != self0+7 || !at.Equal(ans.ComputedAt) {
		t.Errorf("after 重新計算: P10 本機關 %d hours at %v, want %d at %v", h, at, self0+7, ans.ComputedAt)
	}
	if h, _ := p10("subtree"); h != tree0+7 {
		t.Errorf("after 重新計算: P10 含所屬機關 %d hours, want %d", h, tree0+7)
	}

	// 重新計算 of a subordinate re-sums its ancestors: 內政部's subtree
	// figures count 警政署's new hours, and are still the sum of their parts.
	c := lambdafn.Core{Tables: env.Tables, Now: env.Now}
	roller := lambdafn.Roller(c)
	store := statistics.Rollups{Table: env.Tables.Directory}
	npaAgency, err := ag.Get(ctx, demo.MOINPA)
	if err != nil {
		t.Fatal(err)
	}
	treeOf := func(code string) statistics.Rollup {
		t.Helper()
		got, err := store.GetMany(ctx, []statistics.RollupKey{{Agency: code, Year: y, Kind: statistics.Tree}})
		if err != nil {
			t.Fatal(err)
		}
		return got[statistics.RollupKey{Agency: code, Year: y, Kind: statistics.Tree}]
	}
	before := treeOf(demo.MOI).Figures.People.Total
	write(npa, "rollup-b", 5)
	if _, err := roller.Recompute(ctx, npaAgency, y); err != nil {
		t.Fatal(err)
	}
	if got := treeOf(demo.MOI).Figures.People.Total; got != before+5 {
		t.Errorf("內政部's subtree after 警政署's 重新計算: %d hours, want %d", got, before+5)
	}
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
	if got := treeOf(other); got.Computed.Before(ans.ComputedAt) {
		t.Errorf("%s after the retry: computed %v", other, got.Computed)
	}
	if got := treeOf(demo.MOI); !got.Computed.Equal(ans.ComputedAt) || got.Figures.People.Total != sum {
		t.Errorf("內政部's figures after another agency's worker: %v, %d hours, want %v and %d", got.Computed, got.Figures.People.Total, ans.ComputedAt, sum)
	}
	// the national figures are the sum of the top-level agencies'
	total := 0
	for _, r := range roots {
		total += treeOf(r).Figures.People.Total
	}
	if got := treeOf(statistics.National); got.Figures == nil || got.Figures.People.Total != total {
		t.Errorf("national figures: %+v, want %d hours", got, total)
	}
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

// The national sum that summed the newer top-level figures stays, whichever
// of two finishing workers writes last; an equal one replaces it (a rerun).
func TestNationalKeepsTheNewerSum(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	store := statistics.Rollups{Table: env.Tables.Directory}
	at := time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)
	national := func(staff int) statistics.Rollup {
		return statistics.Rollup{Agency: statistics.National, Year: 2026, Kind: statistics.Tree, Computed: at,
			Figures: &statistics.Figures{People: statistics.Counts{Staff: staff}}}
	}
	k := statistics.RollupKey{Agency: statistics.National, Year: 2026, Kind: statistics.Tree}
	for _, step := range []struct {
		staff int
		seen  int64
		want  int
	}{{2, 200, 2}, {1, 100, 2}, {3, 200, 3}, {4, 201, 4}} {
		if err := store.PutNational(ctx, national(step.staff), step.seen); err != nil {
			t.Fatal(err)
		}
		got, err := store.GetMany(ctx, []statistics.RollupKey{k})
		if err != nil {
			t.Fatal(err)
		}
		if n := got[k].Figures.People.Staff; n != step.want {
			t.Errorf("after a sum of %d (seen %d): %d stored, want %d", step.staff, step.seen, n, step.want)
		}
	}
}
