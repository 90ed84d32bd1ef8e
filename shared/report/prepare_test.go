package report

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// tree is an agency tree in memory: a ministry and two agencies below it.
type tree []agency.Agency

func (t tree) Get(_ context.Context, code string) (agency.Agency, error) {
	for _, a := range t {
		if a.Code == code {
			return a, nil
		}
	}
	return agency.Agency{}, errcode.New(errcode.NotFound, "no agency")
}

func (t tree) Subtree(_ context.Context, a agency.Agency) ([]agency.Agency, error) {
	var out []agency.Agency
	for _, b := range t {
		if a.Contains(b) {
			out = append(out, b)
		}
	}
	return out, nil
}

// TestPrepareScope: the agency list's 「全部機關」 queries the active agency
// and its subtree whatever 範圍 says (issue 28), an agency chosen or none
// (an API caller's default: the active agency) keeps the scope asked for.
func TestPrepareScope(t *testing.T) {
	ag := tree{{Code: "A000000000", Name: "甲部", Level: 1, Path: "A000000000"},
		{Code: "A100000000", Name: "甲署", Level: 2, Parent: "A000000000", Path: "A000000000/A100000000"},
		{Code: "A200000000", Name: "甲局", Level: 3, Parent: "A100000000", Path: "A000000000/A100000000/A200000000"}}
	c := auth.Caller{Active: ag[1]}
	d := Definition{ID: "X", Scoped: true}
	for _, tc := range []struct {
		name     string
		raw      map[string]string
		agencies string
		scope    string
	}{
		{"全部機關", map[string]string{AgencyKey: AllAgencies, ScopeKey: Self}, "A100000000 A200000000", "含所屬機關"},
		{"全部機關 without scope", map[string]string{AgencyKey: AllAgencies}, "A100000000 A200000000", "含所屬機關"},
		{"the active agency alone", map[string]string{AgencyKey: "A100000000", ScopeKey: Self}, "A100000000", "本機關"},
		{"no agency: the active one, as asked", map[string]string{ScopeKey: Self}, "A100000000", "本機關"},
		{"an agency below, with its subtree", map[string]string{AgencyKey: "A200000000", ScopeKey: Subtree}, "A200000000", "含所屬機關"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, conds, err := Prepare(context.Background(), ag, d, c, tc.raw, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, a := range q.Agencies {
				codes = append(codes, a.Code)
			}
			shown := map[string]string{}
			for _, cd := range conds {
				shown[cd.Label] = cd.Value
			}
			if got := strings.Join(codes, " "); got != tc.agencies || shown["範圍"] != tc.scope {
				t.Errorf("agencies %q 範圍 %q, want %q %q", got, shown["範圍"], tc.agencies, tc.scope)
			}
		})
	}
	// 全部機關 is no way out of the caller's subtree: it is the active agency's
	if _, _, err := Prepare(context.Background(), ag, d, auth.Caller{Active: ag[2]}, map[string]string{AgencyKey: AllAgencies}, time.Now()); err != nil {
		t.Errorf("全部機關 of the lowest agency: %v", err)
	}
}
