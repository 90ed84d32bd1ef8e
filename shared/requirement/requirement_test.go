package requirement

import (
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
)

func TestDefaultsParse(t *testing.T) {
	cats, err := codes.Default(codes.Categories)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Parse(Defaults(), cats)
	if err != nil {
		t.Fatal(err)
	}
	for _, y := range []int{2024, 2025, 2026} {
		reqs := tb.Of(y)
		if len(reqs) == 0 || !reqs[0].AllCategories() || reqs[0].Minimum != 20 {
			t.Errorf("year %d: want the 20-hour yearly minimum first, got %+v", y, reqs)
		}
	}
	if g := tb.GroupNames(); len(g) != 4 {
		t.Errorf("want P9's four major groups, got %v", g)
	}
}

func TestParseRequirementsErrors(t *testing.T) {
	cats, _ := codes.Default(codes.Categories)
	const head = "year,id,name,categories,minimum,personnelCategories,partOf\n"
	for _, tc := range []struct{ name, csv, want string }{
		{"header", "year,id,name,cats,minimum,personnelCategories,partOf\n2026,a,A,,1,,\n", "line 1"},
		{"old header", "year,id,name,categories,minimum,personnelCategories\n2026,a,A,,1,\n", "line 1"},
		{"year", head + "2026,a,A,,1,,\n115,b,B,,1,,\n", "line 3: year"},
		{"id", head + "2026,A B,A,,1,,\n", "line 2: id"},
		{"twice", head + "2026,a,A,,1,,\n2026,a,B,,1,,\n", "line 3: requirement a twice"},
		{"name", head + "2026,a,,,1,,\n", "line 2: needs a name"},
		{"minimum", head + "2026,a,A,,-1,,\n", "line 2: minimum"},
		{"category", head + "2026,a,A,11;999,1,,\n", "line 2: category 999"},
		{"columns", head + "2026,a,A,,1,\n", "line 2"},
		{"part of nothing", head + "2026,a,A,,1,,\n2026,b,B,,1,,c\n", "b of 2026 is part of c"},
		{"part of another year", head + "2025,a,A,,1,,\n2026,b,B,,1,,a\n", "b of 2026 is part of a"},
		{"part of itself", head + "2026,a,A,,1,,b\n2026,b,B,,1,,c\n2026,c,C,,1,,a\n", "a part of itself"},
		{"empty", head, "no rows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRequirements(strings.NewReader(tc.csv), cats)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
	got, err := ParseRequirements(strings.NewReader(head+"2026,a,A, 11 ; 121 ,3,一般公務人員;警察人員,\n2026,b,B,11,1,,a\n"), cats)
	if err != nil {
		t.Fatal(err)
	}
	r := got[0]
	if len(r.Categories) != 2 || r.Categories[1] != "121" || r.Minimum != 3 || !r.AppliesTo("警察人員") || r.AppliesTo("約聘僱人員") {
		t.Errorf("parsed %+v", r)
	}
	if parts := r.Parts(got); len(parts) != 1 || parts[0].ID != "b" || len(got[1].Parts(got)) != 0 {
		t.Errorf("parts of a: %+v", parts)
	}
}

func TestParseGroupsErrors(t *testing.T) {
	cats, _ := codes.Default(codes.Categories)
	const head = "category,group,decisionMaking\n"
	for _, tc := range []struct{ name, csv, want string }{
		{"unknown", head + "1,A,\n999,B,\n", "line 3: category 999"},
		{"twice", head + "1,A,\n1,B,\n", "line 3: category 1 twice"},
		{"flag", head + "1,A,yes\n", "line 2: decisionMaking"},
		{"group", head + "1,,\n", "line 2: needs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseGroups(strings.NewReader(tc.csv), cats)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
