package agency

import (
	"strings"
	"testing"
)

func TestParseRoster(t *testing.T) {
	in := "\ufeff機關代碼*,機關名稱*,上級機關代碼,機關層級*,機關類型*(機關/學校/事業機構)\n" +
		"A09000000E,行政院人事行政總處,,1,機關\n" +
		"A09010000E,公務人力發展學院,A09000000E,2,機關\n" +
		"BAD,壞列,,1,機關\n" +
		"A09020000E,,A09000000E,2,星球\n" +
		"A09010100E,訓練中心,A09010000E,3,學校\n"
	tree, bad, err := ParseRoster(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 3 {
		t.Fatalf("got %d agencies, want 3", len(tree))
	}
	if tree[2].Path != "A09000000E/A09010000E/A09010100E" || tree[2].Kind != KindSchool {
		t.Errorf("third agency %+v", tree[2])
	}
	if len(bad) != 2 || bad[0].Line != 4 || bad[1].Line != 5 {
		t.Fatalf("bad rows %+v", bad)
	}
	if !strings.Contains(bad[1].Message, "機關名稱未填") || !strings.Contains(bad[1].Message, "機關類型") {
		t.Errorf("row 5 message %q should name both problems", bad[1].Message)
	}
}

func TestParseRosterTreeErrors(t *testing.T) {
	h := "機關代碼*,機關名稱*,上級機關代碼,機關層級*,機關類型*\n"
	tests := map[string]string{
		"missing parent": h + "A09010000E,子,A09000000E,2,機關\n",
		"cycle":          h + "A09010000E,甲,A09020000E,2,機關\nA09020000E,乙,A09010000E,2,機關\n",
		"duplicate":      h + "A09000000E,甲,,1,機關\nA09000000E,乙,,1,機關\n",
		"header only":    h,
		"empty":          "",
		"wrong header":   "code,name\nA09000000E,x\n",
	}
	for name, in := range tests {
		if _, _, err := ParseRoster(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestContains(t *testing.T) {
	a := Agency{Path: "A/B"}
	for path, want := range map[string]bool{"A/B": true, "A/B/C": true, "A/BC": false, "A": false} {
		if got := a.Contains(Agency{Path: path}); got != want {
			t.Errorf("Contains(%s) = %v", path, got)
		}
	}
}
