package summary

import (
	"reflect"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
)

// A hand-made tree:
//
//	A ─ A1 ─ A11 ─ A111
//	  │    └ A12
//	  └ A2
//	B ─ B1
func tree(t *testing.T) *codes.Table {
	t.Helper()
	tb, err := codes.Parse("categories", strings.NewReader("code,name,parent\nA,a,\nA1,a1,A\nA11,a11,A1\nA111,a111,A11\nA12,a12,A1\nA2,a2,A\nB,b,\nB1,b1,B\n"))
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

func TestHoursUnderRollsUpWithoutDoubleCounting(t *testing.T) {
	tb := tree(t)
	// Own-category hours: a record under A111, one under A1 itself, one under
	// A2, one under B1, one under a code the table does not know.
	cats := map[string]int{"A111": 3, "A1": 2, "A2": 5, "B1": 7, "Z9": 11}
	for _, c := range []struct {
		code string
		want int
	}{
		{"A", 3 + 2 + 5}, {"A1", 3 + 2}, {"A11", 3}, {"A111", 3}, {"A12", 0}, {"A2", 5},
		{"B", 7}, {"B1", 7}, {"Z9", 11}, {"Z", 0}, {"", 0},
	} {
		if got := HoursUnder(cats, tb, c.code); got != c.want {
			t.Errorf("HoursUnder(%s) = %d, want %d", c.code, got, c.want)
		}
	}
	want := map[string]int{"A": 10, "A1": 5, "A11": 3, "A111": 3, "A2": 5, "B": 7, "B1": 7, "Z9": 11}
	if got := WithAncestors(cats, tb); !reflect.DeepEqual(got, want) {
		t.Errorf("WithAncestors = %v, want %v", got, want)
	}
	// Every code's rolled-up figure is the same by either helper.
	rolled := WithAncestors(cats, tb)
	for _, e := range tb.Entries {
		if HoursUnder(cats, tb, e.Code) != rolled[e.Code] {
			t.Errorf("%s: HoursUnder %d, WithAncestors %d", e.Code, HoursUnder(cats, tb, e.Code), rolled[e.Code])
		}
	}
}

// The repository's own category table, five levels deep (codes/tables).
func TestHoursUnderTheDefaultCategories(t *testing.T) {
	tb, err := codes.Default(codes.Categories)
	if err != nil {
		t.Fatal(err)
	}
	tree := NewTree(tb)
	cats := map[string]int{"11111": 2, "111": 1, "121": 4, "132": 1, "211": 3}
	for code, want := range map[string]int{"1": 8, "11": 3, "111": 3, "1111": 2, "11111": 2, "11112": 0, "12": 4, "13": 1, "132": 1, "2": 3, "21": 3} {
		if got := tree.HoursUnder(cats, code); got != want {
			t.Errorf("hours under %s: %d, want %d", code, got, want)
		}
	}
}
