package ngram

import (
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ＡＢＣ１２３", "abc123"},
		{"公文　寫作 ", "公文寫作"}, // ideographic space and trailing space
		{"資訊安全Ⅱ", "資訊安全ii"},
		{"Ｅ等公務園＋", "e等公務園+"},
		{"\t王 大明\n", "王大明"},
	} {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestGrams(t *testing.T) {
	got := Grams("王大王大")
	want := []string{"王", "王大", "大", "大王"}
	if !slices.Equal(got, want) {
		t.Errorf("Grams = %q, want %q", got, want)
	}
	if len(Grams("")) != 0 {
		t.Error("empty text has grams")
	}
}

func TestQueryGramsAreInEveryMatch(t *testing.T) {
	for _, q := range []string{"王", "大明", "資訊安全", "安全安全"} {
		for _, text := range []string{"王大明", "資訊安全研習", "安全安全課"} {
			if !strings.Contains(text, q) {
				continue
			}
			gs := Grams(text)
			for _, g := range QueryGrams(q) {
				if !slices.Contains(gs, g) {
					t.Errorf("%q matches %q but its gram %q is not indexed", text, q, g)
				}
			}
		}
	}
	if got := QueryGrams("資訊安全"); !slices.Equal(got, []string{"資訊", "訊安", "安全"}) {
		t.Errorf("QueryGrams = %q", got)
	}
	if QueryGrams("") != nil {
		t.Error("empty query has grams")
	}
}

func TestPostingsPage(t *testing.T) {
	d := Doc{Scope: "L#PUB", Sort: "王大明#1", Key: "1", N: "王大明", Terms: []string{"s:資安", "s:資安"}}
	ps := d.Postings()
	if len(ps) != 6 { // 王 王大 大 大明 明 s:資安
		t.Fatalf("postings %d: %+v", len(ps), ps)
	}
	for _, p := range ps {
		if p.SK != d.Sort || p.Key != "1" || p.N != "王大明" {
			t.Errorf("posting %+v", p)
		}
	}
	pg := page([]Posting{{SK: "a", Key: "1"}, {SK: "b", Key: "2"}, {SK: "c", Key: "3"}}, 2)
	if !slices.Equal(pg.Keys, []string{"1", "2"}) || pg.Next != "b" {
		t.Errorf("page = %+v", pg)
	}
	if pg := page([]Posting{{SK: "a", Key: "1"}}, 2); pg.Next != "" {
		t.Errorf("last page has next %q", pg.Next)
	}
}
