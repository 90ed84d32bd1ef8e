package hoursmaint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// pagedPeople answers an agency's staff in short pages of at most per
// examined people, as store.FilteredPage does: a page may end with a next
// key and few (or no) matches.
type pagedPeople struct {
	staff []staff.Person
	per   int
}

func (p pagedPeople) ByNationalIDs(_ context.Context, nids []string) (map[string]staff.Ref, error) {
	out := map[string]staff.Ref{}
	for _, s := range p.staff {
		for _, n := range nids {
			if s.NationalID == n {
				out[n] = staff.Ref{ID: s.ID, Agency: s.Agency, Name: s.Name}
			}
		}
	}
	return out, nil
}

func (p pagedPeople) GetMany(context.Context, []string) (map[string]staff.Person, error) {
	return nil, nil
}

func (p pagedPeople) Page(_ context.Context, _ string, f staff.Filter, after string, limit int) ([]staff.Person, string, error) {
	start := 0
	if after != "" {
		fmt.Sscan(after, &start)
	}
	var out []staff.Person
	i := start
	for ; i < len(p.staff) && i < start+p.per; i++ {
		if strings.Contains(p.staff[i].Name, f.Name) {
			out = append(out, p.staff[i])
			if len(out) == limit {
				return out, fmt.Sprint(i + 1), nil
			}
		}
	}
	if i >= len(p.staff) {
		return out, "", nil
	}
	return out, fmt.Sprint(i), nil
}

func TestNamed(t *testing.T) {
	var people []staff.Person
	for i := range 5000 {
		name := fmt.Sprintf("路人%04d", i)
		switch {
		case i == 4321:
			name = "王小明"
		case i%40 == 1:
			name = "陳大文"
		}
		people = append(people, staff.Person{ID: fmt.Sprintf("p%05d", i), NationalID: fmt.Sprintf("A1%08d", i), Name: name})
	}
	id := nid.Generate(rand.New(rand.NewPCG(1, 2)), 1)
	people[7].NationalID = id
	s := &Service{People: pagedPeople{staff: people, per: 2000}}
	for _, tc := range []struct {
		who  string
		want int
		code errcode.Code
	}{
		{"王小明", 1, ""},              // the only match lies after two pages without one
		{"陳大文", 0, errcode.Invalid}, // 125 match: more than an IN list holds
		{"無此人", 0, ""},
		{strings.ToLower(id), 1, ""}, // a national ID, typed in lower case
		{id[:9], 0, ""},              // not a national ID: read as a name, none
	} {
		ids, err := s.named(context.Background(), "301000000A", tc.who)
		if tc.code != "" {
			if !errcode.Is(err, tc.code) {
				t.Errorf("%s: %v, want %s", tc.who, err, tc.code)
			}
			continue
		}
		if err != nil || len(ids) != tc.want {
			t.Errorf("%s: %v %v, want %d ids", tc.who, ids, err, tc.want)
		}
	}
}
