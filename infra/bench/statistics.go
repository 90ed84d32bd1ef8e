package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
	"github.com/ecpa-lifelong/backoffice/shared/store"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// benchStatistics (issue 17): the nightly rollup of every top-level agency
// (items/s on DynamoDB Local, workers run as the nightly fans them out, a
// few at a time on this machine), then every statistics page of 內政部 with
// subordinates through gateway + authorizer + ReportsFunction (read from
// the rollups) against the same page computed from the learning summaries
// on request (the definitions without rollups, called directly: the ratio is
// conservative), in the same run; R1 and R2 (classes) the same way.
func benchStatistics(ctx context.Context, out io.Writer, st *stack.Stack, t store.Tables, d demo.Data, n, workers int) error {
	core := lambdafn.Core{Tables: t, Now: st.Now}
	roller := lambdafn.Roller(core)
	jobs, err := roller.RollupJobs(ctx) // as the nightly batch starts them
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var results []statistics.RollResult
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for _, job := range jobs {
		g.Go(func() error {
			r, err := roller.Job(gctx, job)
			mu.Lock()
			results = append(results, r)
			mu.Unlock()
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	took := time.Since(start)
	items, people, slowest := 0, 0, statistics.RollResult{}
	for _, r := range results {
		items += r.Items
		people += r.People
		if r.Seconds > slowest.Seconds {
			slowest = r
		}
	}
	fmt.Fprintf(out, "Statistics rollups (issue 17): %d jobs (top-level agencies, split by second-level agency), %d agencies' staff (%d people) × 3 years, %d workers at once\n",
		len(jobs), len(d.Agencies), people, workers)
	read := people * 4 // each person's staff item, and their summary of each of the 3 years (asked for, found or not)
	fmt.Fprintf(out, "  nightly rollup: %s; %d items read (%.0f items/s), %d rollup items written (%.0f items/s); %.0f people-years/s\n",
		took.Round(time.Millisecond), read, float64(read)/took.Seconds(), items, float64(items)/took.Seconds(), float64(people*3)/took.Seconds())
	fmt.Fprintf(out, "  slowest worker %s (%d agencies, %d people): %.1f s, %.0f people-years/s\n",
		slowest.Agency, slowest.Agencies, slowest.People, slowest.Seconds, float64(slowest.People*3)/slowest.Seconds)

	// The summary repair's rate (issue 25: the nightly's slow sweep).
	sums := summary.Repo{Records: t.Records, People: staff.Repo{Table: t.Directory}, Now: st.Now}
	start = time.Now()
	rep, err := sums.Repair(ctx)
	if err != nil {
		return err
	}
	took = time.Since(start)
	fmt.Fprintf(out, "  summary repair: %d records, %d person-years checked (%d drifted) in %s, %d segments at once: %.0f records/s, %.0f person-years/s\n",
		len(d.Records), rep.Checked, rep.Drifted, took.Round(time.Millisecond), summary.RepairSegments, float64(len(d.Records))/took.Seconds(), float64(rep.Checked)/took.Seconds())

	ag := agency.Repo{Table: t.Directory}
	moi, err := ag.Get(ctx, demo.MOI)
	if err != nil {
		return err
	}
	scope, err := ag.Subtree(ctx, moi)
	if err != nil {
		return err
	}
	inScope := map[string]bool{}
	enterprises := false
	for _, a := range scope {
		inScope[a.Code] = true
		enterprises = enterprises || a.Kind == agency.KindEnterprise
	}
	staffIn := 0
	for _, p := range d.People {
		if inScope[p.Agency] {
			staffIn++
		}
	}
	year := strconv.Itoa(roc.Year(st.Now()))
	onRequest := roller.Reports // the same definitions without rollups
	onRequest.Rollups = nil
	defs := map[string]report.Definition{}
	for _, def := range onRequest.Definitions() {
		defs[def.ID] = def
	}
	fmt.Fprintf(out, "  pages of 內政部 with subordinates (%d agencies, %d people), year %s, %d requests each\n", len(scope), staffIn, year, n)
	client := &http.Client{}
	pages := []struct{ name, id, user, query string }{
		{"P8", "P8", "moi.hr", ""}, {"P9", "P9", "moi.hr", ""}, {"P10", "P10", "moi.hr", ""},
		{"P10-categories", "P10-categories", "moi.hr", ""}, {"P11", "P11", "moi.hr", ""}, {"P11-categories", "P11-categories", "moi.hr", ""},
		{"R3", "R3", "moi.admin", ""},
		// R1: the year's classes of the scope by nature, under a category and method
		{"R1", "R1", "moi.admin", "from=" + year + "-01-01&to=" + year + "-12-31&category=1&method=open"},
		// R2: the year's classes' enrollments and records, by category; by agency of one rank group
		{"R2", "R2", "moi.admin", "by=category"},
		{"R2 薦任 by agency", "R2", "moi.admin", "by=agency&rankGroup=薦任"},
	}
	for _, pg := range pages {
		tok, err := st.Token(ctx, pg.user, time.Hour)
		if err != nil {
			return err
		}
		params := map[string]string{"year": year, report.ScopeKey: report.Subtree, report.AgencyKey: demo.MOI}
		vals := url.Values{"scope": {"subtree"}, "year": {year}}
		if pg.query != "" {
			extra, err := url.ParseQuery(pg.query)
			if err != nil {
				return err
			}
			for k := range extra {
				params[k] = extra.Get(k)
				vals.Set(k, extra.Get(k))
			}
		}
		path := "/api/reports/" + pg.id + "?" + vals.Encode()
		api, err := latencies(n, 10, func() error { return getOK(ctx, client, st.URL, path, tok) })
		if err != nil {
			return err
		}
		q := report.Query{Params: params, Agency: moi, Agencies: scope, Limit: report.PageSize, Now: st.Now()}
		def := defs[pg.id]
		runs := max(5, n/10)
		if pg.id == "R2" {
			runs = 5 // seconds a run on request
		}
		base, err := latencies(runs, 1, func() error { _, err := def.Rows(ctx, q); return err })
		if err != nil {
			return err
		}
		note := ""
		if strings.HasPrefix(pg.id, "P11") && !enterprises {
			note = "  (no enterprise in scope: nothing to compute on request)"
		}
		fmt.Fprintf(out, "  %-17s rollups via gateway p50 %6.2f ms p95 %6.2f ms | on request (direct, %2d runs) p50 %7.2f ms p95 %7.2f ms | ratio p50 %5.1f× p95 %5.1f×%s\n",
			pg.name, ms(api, 50), ms(api, 95), len(base), ms(base, 50), ms(base, 95), ms(base, 50)/ms(api, 50), ms(base, 95)/ms(api, 95), note)
	}
	return nil
}
