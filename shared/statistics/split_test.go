package statistics_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
)

// splitRollups: 內政部 rolled up in parts (its own staff, each second-level
// subtree) has the figures of it rolled up whole, though two parts finish
// at once: the second part's whole run comes between the first's read of
// the parts of 內政部's sum and its write (storetest), over a stale figure
// of the second part, so only the sum's generation check keeps the second's
// figures. It runs on TestStatisticsRollups' stack.
func splitRollups(t *testing.T, env *stacktest.Env) {
	ctx := context.Background()
	roller := lambdafn.Roller(lambdafn.Core{Tables: env.Tables, Now: env.Now})
	if jobs, err := roller.RollupJobs(ctx); err != nil || !slices.Contains(jobs, demo.MOI) {
		t.Fatalf("the nightly jobs %v (%v): want 內政部 whole, far below statistics.SplitPeople", jobs, err)
	}
	roller.SplitPeople = 0 // split every top-level agency with subordinates, as a large one is
	store := statistics.Rollups{Table: env.Tables.Directory}
	ag := agency.Repo{Table: env.Tables.Directory}
	moi, err := ag.Get(ctx, demo.MOI)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := ag.Subtree(ctx, moi)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, a := range sub {
		if a.Parent == demo.MOI {
			parts = append(parts, a.Code)
		}
	}
	jobs, err := roller.RollupJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 || slices.Contains(jobs, demo.MOI) || !slices.Contains(jobs, demo.MOI+statistics.OwnJob) {
		t.Fatalf("the nightly jobs %v: want 內政部 split into its own staff and %v", jobs, parts)
	}
	for _, p := range parts {
		if !slices.Contains(jobs, p) {
			t.Fatalf("the nightly jobs %v lack the second-level agency %s", jobs, p)
		}
	}
	var sums, stales []statistics.RollupKey // 內政部's and the nation's sums; the second part's figures
	for _, y := range statistics.Years(env.Now()) {
		sums = append(sums, statistics.RollupKey{Agency: demo.MOI, Year: y, Kind: statistics.Tree}, statistics.RollupKey{Agency: statistics.National, Year: y, Kind: statistics.Tree})
		stales = append(stales, statistics.RollupKey{Agency: parts[1], Year: y, Kind: statistics.Tree})
	}
	figures := func() string {
		t.Helper()
		got, err := store.GetMany(ctx, sums)
		if err != nil {
			t.Fatal(err)
		}
		var fs []*statistics.Figures
		for _, k := range sums {
			fs = append(fs, got[k].Figures)
		}
		b, err := json.Marshal(fs)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if _, err := roller.Roll(ctx, demo.MOI); err != nil {
		t.Fatal(err)
	}
	whole := figures()

	// The second part's stored figures are stale (zeroed) when the first reads.
	first, second := parts[0], parts[1]
	got, err := store.GetMany(ctx, stales)
	if err != nil || len(got) != len(stales) {
		t.Fatalf("the second part's figures: %v %v", got, err)
	}
	var zeroed []statistics.Rollup
	for _, ro := range got {
		ro.Figures = &statistics.Figures{}
		zeroed = append(zeroed, ro)
	}
	if err := store.Put(ctx, zeroed); err != nil {
		t.Fatal(err)
	}
	db := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "PutItem", N: 1, Do: func() {
		if _, err := roller.Job(ctx, second); err != nil {
			t.Errorf("the second part: %v", err)
		}
	}})
	// 內政部's own staff first: a part finishing after the race would re-sum
	// the parent again and hide a lost figure.
	if _, err := roller.Job(ctx, demo.MOI+statistics.OwnJob); err != nil {
		t.Fatal(err)
	}
	racing := roller
	racing.Store = statistics.Rollups{Table: db.Table(env.Tables.Directory.Name())}
	if _, err := racing.Job(ctx, first); err != nil {
		t.Fatal(err)
	}
	if split := figures(); split != whole {
		t.Errorf("內政部 and the nation rolled up in parts:\n%s\nwhole:\n%s", split, whole)
	}
}
