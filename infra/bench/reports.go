package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/personnel"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// benchReports: P5 (同仁學習狀況明細) of 內政部 with subordinates, the first
// page, through gateway + authorizer + ReportsFunction (hours from the
// learning summaries), against computing the same page's hours from the
// raw records, in the same run: (a) each person's records of the year (one
// query a person), (b) every record of the scope's agencies of the year
// (what a report without summaries reads). Both baselines call the code
// directly, without the HTTP path: the ratios are conservative.
func benchReports(ctx context.Context, out io.Writer, st *stack.Stack, t store.Tables, d demo.Data, n int) error {
	tok, err := st.Token(ctx, "moi.hr", time.Hour)
	if err != nil {
		return err
	}
	year := roc.Year(st.Now())
	path := "/api/reports/P5?scope=subtree&year=" + strconv.Itoa(year)
	client := &http.Client{}
	call := func() error { return getOK(ctx, client, st.URL, path, tok) }
	ag := agency.Repo{Table: t.Directory}
	moi, err := ag.Get(ctx, demo.MOI)
	if err != nil {
		return err
	}
	scope, err := ag.Subtree(ctx, moi)
	if err != nil {
		return err
	}
	recs := records.Repo{Table: t.Records}
	people := staff.Repo{Table: t.Directory}
	p5 := func(h personnel.HoursReader) report.Definition {
		r := personnel.Reports{People: people, Records: recs, Hours: h, Codes: &codes.Repo{Table: t.Directory, TTL: time.Minute}}
		for _, def := range r.Definitions() {
			if def.ID == "P5" {
				return def
			}
		}
		panic("no P5")
	}
	q := report.Query{Params: map[string]string{"year": strconv.Itoa(year), report.ScopeKey: report.Subtree, report.AgencyKey: demo.MOI},
		Agency: moi, Agencies: scope, Limit: report.PageSize, Now: st.Now()}
	perPerson := p5(personnel.FromRecords{Records: recs})
	wholeScope := p5(scopeRecords{recs: recs, scope: scope})
	api, err := latencies(n, 20, call)
	if err != nil {
		return err
	}
	base := func(def report.Definition, runs int) ([]time.Duration, error) {
		return latencies(runs, 2, func() error { _, err := def.Rows(ctx, q); return err })
	}
	a, err := base(perPerson, max(20, n/10))
	if err != nil {
		return err
	}
	b, err := base(wholeScope, 5)
	if err != nil {
		return err
	}
	inScope := 0
	for _, p := range d.People {
		for _, s := range scope {
			if p.Agency == s.Code {
				inScope++
			}
		}
	}
	fmt.Fprintf(out, "P5 同仁學習狀況明細, 內政部 with subordinates (%d agencies, %d people), first page of %d, %d requests\n",
		len(scope), inScope, report.PageSize, n)
	fmt.Fprintf(out, "  through gateway + authorizer + function (summaries)   p50 %7.2f ms  p95 %7.2f ms\n", ms(api, 50), ms(api, 95))
	fmt.Fprintf(out, "  baseline a: each person's records (direct, %3d runs)  p50 %7.2f ms  p95 %7.2f ms   ratio (p50) %6.1f×\n",
		len(a), ms(a, 50), ms(a, 95), ms(a, 50)/ms(api, 50))
	fmt.Fprintf(out, "  baseline b: the scope's records (direct, %3d runs)    p50 %7.2f ms  p95 %7.2f ms   ratio (p50) %6.1f×\n",
		len(b), ms(b, 50), ms(b, 95), ms(b, 50)/ms(api, 50))
	return nil
}

// scopeRecords computes hours by reading every record of the scope's
// agencies of the year (the agency index), then keeping the page's people.
type scopeRecords struct {
	recs  records.Repo
	scope []agency.Agency
}

func (s scopeRecords) YearHours(ctx context.Context, year int, people []string) (map[string]personnel.Hours, error) {
	want := map[string]bool{}
	for _, p := range people {
		want[p] = true
	}
	by := map[string][]records.Record{}
	for _, a := range s.scope {
		after := ""
		for {
			page, _, next, err := s.recs.OfAgency(ctx, a.Code, year, records.AgencyFilter{}, after, 1000)
			if err != nil {
				return nil, err
			}
			for _, r := range page {
				if want[r.PersonID] {
					by[r.PersonID] = append(by[r.PersonID], r)
				}
			}
			if next == "" {
				break
			}
			after = next
		}
	}
	out := map[string]personnel.Hours{}
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if h := personnel.Sum(by[id]); h.Records > 0 {
			out[id] = h
		}
	}
	return out, nil
}
