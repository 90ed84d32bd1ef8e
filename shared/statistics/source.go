package statistics

import (
	"context"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/report"
)

// calc reads the tables of a year and their signature.
func (s Reports) calc(ctx context.Context, year int) (calc, string, error) {
	t, err := s.Requirements.Get(ctx)
	if err != nil {
		return calc{}, "", err
	}
	cats, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return calc{}, "", err
	}
	return newCalc(t, cats, year), signature(t, cats, year), nil
}

// stored reads rollups of keys; ok is false (compute on request) when there
// are no rollups, or one is missing or was computed under other tables.
// at is the oldest of their times: the page's 「統計時間」.
func (s Reports) stored(ctx context.Context, keys []RollupKey, sig string, part Part) (got map[RollupKey]Rollup, at time.Time, ok bool, err error) {
	if s.Rollups == nil || len(keys) == 0 {
		return nil, at, false, nil
	}
	got, err = s.Rollups.Read(ctx, keys, part)
	if err != nil {
		return nil, at, false, err
	}
	for i, k := range keys {
		ro, found := got[k]
		if !found || ro.Signature != sig {
			return nil, at, false, nil
		}
		if i == 0 || ro.Computed.Before(at) {
			at = ro.Computed
		}
	}
	return got, at, true, nil
}

// perAgency answers the own figures (本機關) of each agency in scope kept by
// keep, from the rollups, or computed now when any is not stored.
func (s Reports) perAgency(ctx context.Context, q report.Query, c calc, sig string, keep func(agency.Agency) bool) (map[string]*Figures, time.Time, error) {
	var keys []RollupKey
	for _, a := range q.Agencies {
		if keep(a) {
			keys = append(keys, RollupKey{a.Code, c.year, Own})
		}
	}
	got, at, ok, err := s.stored(ctx, keys, sig, PeoplePart)
	if err != nil {
		return nil, at, err
	}
	out := map[string]*Figures{}
	if ok {
		for k, ro := range got {
			out[k.Agency] = ro.Figures
		}
		return out, at, nil
	}
	pop, err := s.population(ctx, q.Agencies, keep, c.year)
	if err != nil {
		return nil, at, err
	}
	for _, a := range q.Agencies {
		if keep(a) {
			out[a.Code] = c.own(a, pop[a.Code])
		}
	}
	return out, q.Now, nil
}

// scopeFigures answers the figures of the scope's non-enterprise agencies
// (P8, P9, R3): the agency's own rollup (本機關) or its subtree rollup
// (含所屬機關), or the sum of their own figures computed now.
func (s Reports) scopeFigures(ctx context.Context, q report.Query, c calc, sig string) (*Figures, time.Time, error) {
	kind := Own
	if q.Params[report.ScopeKey] == report.Subtree {
		kind = Tree
	}
	k := RollupKey{q.Agency.Code, c.year, kind}
	got, at, ok, err := s.stored(ctx, []RollupKey{k}, sig, PeoplePart)
	if err != nil {
		return nil, at, err
	}
	if ok {
		if kind == Own && !notEnterprise(q.Agency) {
			return &Figures{}, at, nil // an enterprise alone counts no one here
		}
		return got[k].Figures, at, nil
	}
	own, at, err := s.perAgency(ctx, report.Query{Agencies: q.Agencies, Now: q.Now}, c, sig, notEnterprise)
	if err != nil {
		return nil, at, err
	}
	f := &Figures{}
	for _, x := range own {
		f.Add(x)
	}
	return f, at, nil
}
