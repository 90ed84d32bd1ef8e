package imports

import (
	"fmt"
	"strconv"
	"strings"
)

// The results of a chunk are stored compactly: a chunk of 1,000 rows is one
// item of a few kilobytes (its lines as runs, one status letter a row, the
// messages of the rows that have one, and the counts), not a list of 1,000
// maps. The database parses less on every write, the final counts read only
// the three numbers, and no reader holds thousands of small objects.
type chunkItem struct {
	PK      string            `dynamo:"pk"`
	SK      string            `dynamo:"sk"` // ROWS#<n> (every row) or FAIL#<n> (failed rows only)
	Lines   string            `dynamo:"lines"`
	Status  string            `dynamo:"st"`              // a letter a row: w waiting, f failed, a applied
	Msgs    map[string]string `dynamo:"msgs,omitempty"`  // row index in the chunk → message
	Codes   map[string]string `dynamo:"codes,omitempty"` // row index → a failed row's machine code
	Changes string            `dynamo:"ch,omitempty"`    // a letter a row: n added, u updated, - neither (absent: none said)
	Waiting int               `dynamo:"w"`
	Failed  int               `dynamo:"f"`
	Applied int               `dynamo:"a"`
}

var statusLetter = map[string]byte{RowWaiting: 'w', RowFailed: 'f', RowApplied: 'a'}

var changeLetter = map[string]byte{"": '-', ChangeAdded: 'n', ChangeUpdated: 'u'}

func encodeChunk(pk, sk string, rows []RowResult) chunkItem {
	it := chunkItem{PK: pk, SK: sk}
	st := make([]byte, len(rows))
	ch := make([]byte, len(rows))
	anyChange := false
	var lines strings.Builder
	for i, r := range rows {
		st[i] = statusLetter[r.Status]
		ch[i] = changeLetter[r.Change]
		anyChange = anyChange || r.Change != ""
		if r.Code != "" {
			if it.Codes == nil {
				it.Codes = map[string]string{}
			}
			it.Codes[strconv.Itoa(i)] = r.Code
		}
		switch r.Status {
		case RowWaiting:
			it.Waiting++
		case RowFailed:
			it.Failed++
		case RowApplied:
			it.Applied++
		}
		if r.Msg != "" {
			if it.Msgs == nil {
				it.Msgs = map[string]string{}
			}
			it.Msgs[strconv.Itoa(i)] = r.Msg
		}
	}
	// Lines as runs of consecutive numbers: "2-1001", or "2-40,42-1002"
	// where a quoted field spans two lines of the file.
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1].Line == rows[j].Line+1 {
			j++
		}
		if i > 0 {
			lines.WriteByte(',')
		}
		lines.WriteString(strconv.Itoa(rows[i].Line))
		if j > i {
			lines.WriteString("-" + strconv.Itoa(rows[j].Line))
		}
		i = j + 1
	}
	it.Lines, it.Status = lines.String(), string(st)
	if anyChange {
		it.Changes = string(ch)
	}
	return it
}

func (it chunkItem) rows() ([]RowResult, error) {
	out := make([]RowResult, 0, len(it.Status))
	for _, run := range strings.Split(it.Lines, ",") {
		if run == "" {
			continue
		}
		from, to, isRun := strings.Cut(run, "-")
		a, err := strconv.Atoi(from)
		b := a
		if err == nil && isRun {
			b, err = strconv.Atoi(to)
		}
		if err != nil || b < a || b-a >= len(it.Status)-len(out) {
			return nil, fmt.Errorf("results item %s: bad lines %q", it.SK, run)
		}
		for l := a; l <= b; l++ {
			out = append(out, RowResult{Line: l})
		}
	}
	if len(out) != len(it.Status) {
		return nil, fmt.Errorf("results item %s: %d lines, %d statuses", it.SK, len(out), len(it.Status))
	}
	for i := range out {
		switch it.Status[i] {
		case 'w':
			out[i].Status = RowWaiting
		case 'f':
			out[i].Status = RowFailed
		case 'a':
			out[i].Status = RowApplied
		default:
			return nil, fmt.Errorf("results item %s: bad status %q", it.SK, it.Status[i])
		}
		out[i].Msg = it.Msgs[strconv.Itoa(i)]
		out[i].Code = it.Codes[strconv.Itoa(i)]
		if i < len(it.Changes) {
			switch it.Changes[i] {
			case 'n':
				out[i].Change = ChangeAdded
			case 'u':
				out[i].Change = ChangeUpdated
			}
		}
	}
	return out, nil
}
