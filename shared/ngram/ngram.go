// Package ngram serves partial-match searches on Chinese text from DynamoDB
// without a Scan: every searchable text is cut into its single characters and
// pairs of characters (unigrams and bigrams), and one small "posting" item per
// gram is written under the partition NG#<scope>#<gram>, sorted by the
// entity's sort key. A query's matches all lie in the partition of each of its
// grams, so a search reads one partition, not the table.
//
// Which gram's partition is cheapest is not known in advance (「研習」 is in
// half of all course names, 「資安」 in few), so Search queries the partitions
// of all the query's grams at once and takes the first that answers: each
// holds the same matches in the same order, so any finisher gives the same
// page. See the README beside the catalog for the numbers.
package ngram

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Normalize folds what officers consider the same text to one form: full-
// and half-width forms alike (NFKC: Ａ→A, ３→3, ；→;), Latin letters in lower
// case, and no white space at all (「公文 寫作」 finds 「公文寫作」).
func Normalize(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Grams returns the distinct unigrams and bigrams of normalised text, the
// partitions a text is indexed under.
func Grams(normalized string) []string {
	rs := []rune(normalized)
	seen := make(map[string]bool, 2*len(rs))
	out := make([]string, 0, 2*len(rs))
	add := func(g string) {
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	for i := range rs {
		add(string(rs[i]))
		if i+1 < len(rs) {
			add(string(rs[i : i+2]))
		}
	}
	return out
}

// QueryGrams returns the partitions that each hold every match of a
// normalised query: the query itself when it is one character, else its
// distinct bigrams.
func QueryGrams(normalized string) []string {
	rs := []rune(normalized)
	switch len(rs) {
	case 0:
		return nil
	case 1:
		return []string{normalized}
	}
	seen := map[string]bool{}
	var out []string
	for i := 0; i+1 < len(rs); i++ {
		g := string(rs[i : i+2])
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}
