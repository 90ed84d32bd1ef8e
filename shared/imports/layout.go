// Package imports is the bulk CSV upload path (X2, L1, L2b, L3/L7 bulk,
// L6a/L6b/L6c bulk, L6r): column definitions that generate both the template
// and the format page and drive the parser; the upload job; the streaming
// check that stages a file when it arrives; the apply pass of the nightly
// batch, resumable from a checkpoint; per-row results and the result file.
package imports

import (
	"math"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Column is one column of an upload layout.
type Column struct {
	Key      string `json:"key"`      // what the checker asks for
	Header   string `json:"header"`   // the Chinese header (without *)
	Required bool   `json:"required"` // marked * in the template
	Help     string `json:"help"`     // the format page's description
	Example  string `json:"example"`  // the template's example row
}

// Layout is one accepted column order of a job type.
type Layout struct {
	Name    string   `json:"name"`
	Columns []Column `json:"columns"`
}

// headerKey folds a header cell the way officers' files vary: a BOM, spaces,
// full-width forms and the required-field mark * do not matter.
func headerKey(s string) string {
	s = norm.NFKC.String(strings.TrimPrefix(s, "\uFEFF"))
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '*', '＊', '\u3000':
			return -1
		}
		return r
	}, s)
	return s
}

// ResultHeader is the column the result file adds; uploads may carry it back.
const ResultHeader = "處理結果"

// mapping locates each column of a layout in a file's header row.
type mapping struct {
	layout *Layout
	index  map[string]int // column key → field index
	extra  []string       // header cells no column claims
}

// match picks the layout the header row fits: every required column present,
// most columns recognised. It returns the missing required columns of the
// closest layout when none fits.
func match(layouts []Layout, header []string) (mapping, []string) {
	pos := map[string]int{}
	for i, h := range header {
		k := headerKey(h)
		if _, dup := pos[k]; !dup && k != "" {
			pos[k] = i
		}
	}
	var best mapping
	var bestMissing []string
	bestScore := math.MinInt
	for li := range layouts {
		l := &layouts[li]
		m := mapping{layout: l, index: map[string]int{}}
		var missing []string
		for _, c := range l.Columns {
			if i, ok := pos[c.Header]; ok {
				m.index[c.Key] = i
			} else if c.Required {
				missing = append(missing, c.Header)
			}
		}
		// Every required column present first, then the most recognised, then the fewest unused.
		score := 2*len(m.index) - (len(l.Columns) - len(m.index)) - 1000*len(missing)
		if score > bestScore {
			best, bestMissing, bestScore = m, missing, score
		}
	}
	claimed := map[int]bool{}
	for _, i := range best.index {
		claimed[i] = true
	}
	for i, h := range header {
		if k := headerKey(h); !claimed[i] && k != "" && k != ResultHeader {
			best.extra = append(best.extra, strings.TrimSpace(h))
		}
	}
	return best, bestMissing
}
