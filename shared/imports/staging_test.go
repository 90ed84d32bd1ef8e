package imports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"
)

func TestChunkCodecRoundTrip(t *testing.T) {
	seq := func(from, n int, status string) []RowResult {
		out := make([]RowResult, n)
		for i := range out {
			out[i] = RowResult{Line: from + i, Status: status}
		}
		return out
	}
	tests := []struct {
		name  string
		rows  []RowResult
		lines string
	}{
		{"one row", []RowResult{{Line: 2, Status: RowWaiting}}, "2"},
		{"a whole chunk", seq(2, 1000, RowApplied), "2-1001"},
		{"a quoted field over two lines", append(seq(2, 3, RowWaiting), seq(6, 2, RowWaiting)...), "2-4,6-7"},
		{"failed rows only, scattered", []RowResult{{Line: 5, Status: RowFailed, Msg: "身分證字號不正確"},
			{Line: 9, Status: RowFailed, Msg: "與第 5 行的資料重複"}, {Line: 10, Status: RowFailed, Msg: "x"}}, "5,9-10"},
		{"mixed, with a note on a success", []RowResult{{Line: 2, Status: RowApplied, Msg: "已額滿"},
			{Line: 3, Status: RowFailed, Msg: "請填寫姓名"}, {Line: 4, Status: RowWaiting}}, "2-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := encodeChunk("IMPORT#j", "ROWS#000000", tt.rows)
			if it.Lines != tt.lines {
				t.Errorf("lines %q, want %q", it.Lines, tt.lines)
			}
			var w, f, a int
			for _, r := range tt.rows {
				switch r.Status {
				case RowWaiting:
					w++
				case RowFailed:
					f++
				case RowApplied:
					a++
				}
			}
			if it.Waiting != w || it.Failed != f || it.Applied != a {
				t.Errorf("counts w%d f%d a%d, want w%d f%d a%d", it.Waiting, it.Failed, it.Applied, w, f, a)
			}
			got, err := it.rows()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("decoded %+v\nwant %+v", got, tt.rows)
			}
		})
	}
}

func TestChunkCodecRefusesDamagedItems(t *testing.T) {
	for _, it := range []chunkItem{
		{SK: "ROWS#1", Lines: "2-4", Status: "ww"},         // more lines than statuses
		{SK: "ROWS#1", Lines: "2-1000000000", Status: "w"}, // a run far too long: refused before allocating it
		{SK: "ROWS#1", Lines: "4-2", Status: "www"},        // backwards
		{SK: "ROWS#1", Lines: "2-x", Status: "ww"},         // not a number
		{SK: "ROWS#1", Lines: "2-3", Status: "wz"},         // unknown status
		{SK: "ROWS#1", Lines: "2", Status: "ww"},           // fewer lines than statuses
	} {
		if _, err := it.rows(); err == nil {
			t.Errorf("%+v decoded without an error", it)
		}
	}
}

func TestDupFinderFirstLineWins(t *testing.T) {
	d, err := newDupFinder()
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	// 50,000 rows over 30,000 distinct keys (spread over every part), with a
	// reference answer from a map.
	first := map[keyHash]int{}
	var want []duplicate
	for line := 2; line < 50_002; line++ {
		k := hashKey(fmt.Sprintf("A123456789\x1f課程%d", (line*7919)%30_000))
		if f, ok := first[k]; ok {
			want = append(want, duplicate{line, f})
		} else {
			first[k] = line
		}
		if err := d.add(k, line); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.duplicates()
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 20_000 || !reflect.DeepEqual(got, want) {
		t.Fatalf("%d duplicates (want %d); first differences: %v / %v", len(got), len(want), got[:min(3, len(got))], want[:3])
	}
	dir := d.dir
	d.close()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the key files are left behind in %s", dir)
	}
}

// What a job item keeps of the file is bounded, whatever the file holds.
func TestJobItemIsBounded(t *testing.T) {
	extra := make([]string, 100_000)
	for i := range extra {
		extra[i] = strings.Repeat("欄", 50) + strconv.Itoa(i)
	}
	j := Job{ID: "j", Extra: extra, FileError: strings.Repeat("錯", 10_000)}
	it := jobKeyed(j)
	if it.ExtraCount != len(extra) || len(it.Extra) != MaxExtraListed {
		t.Errorf("extra: %d kept of %d, want %d of %d", len(it.Extra), it.ExtraCount, MaxExtraListed, len(extra))
	}
	for _, e := range it.Extra {
		if n := utf8.RuneCountInString(e); n > MaxCellKept+1 {
			t.Errorf("an ignored header cell kept at %d characters", n)
		}
	}
	if n := utf8.RuneCountInString(it.FileError); n > MaxFileError+1 {
		t.Errorf("file error kept at %d characters", n)
	}
	if len(j.Extra) != len(extra) {
		t.Error("jobKeyed changed the caller's job")
	}
	av, err := dynamo.MarshalItem(it)
	if err != nil {
		t.Fatal(err)
	}
	if size := itemSize(av); size > 16<<10 {
		t.Errorf("job item of %d bytes", size)
	}
}

// itemSize approximates DynamoDB's item size: names plus string values.
func itemSize(av map[string]types.AttributeValue) int {
	n := 0
	for k, v := range av {
		n += len(k)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberL:
			for _, e := range v.Value {
				if s, ok := e.(*types.AttributeValueMemberS); ok {
					n += len(s.Value)
				}
			}
		default:
			n += 16
		}
	}
	return n
}

// Finding 10 of issue 13: when building a checker failed after the reader
// goroutine had started, applyChunks returned and left the reader blocked for
// ever, holding a chunk. No goroutine of applyChunks may outlive it.
func TestApplyChunksLeavesNoGoroutineWhenACheckerFails(t *testing.T) {
	for _, tc := range []struct {
		kind   string
		shared bool
		failOn int // the builder call that fails
	}{
		{HoursExternal, true, 1},
		{Nominations, false, 1},
		{Nominations, false, 3}, // one checker per worker: a later one fails
	} {
		t.Run(fmt.Sprintf("%s call %d", tc.kind, tc.failOn), func(t *testing.T) {
			k := kind(t, tc.kind)
			file := TemplateCSV(k)
			for i := 0; i < 2*ChunkRows+5; i++ { // more chunks than the reader can hand over unasked
				file = append(file, []byte(strings.Repeat("x,", len(k.Template().Columns)-1)+"x\r\n")...)
			}
			rd, err := NewReader(bytes.NewReader(file), k)
			if err != nil {
				t.Fatal(err)
			}
			calls := 0
			p := &Pipeline{Checkers: Checkers{tc.kind: {New: func(context.Context, Job) (Checker, error) {
				calls++
				if calls == tc.failOn {
					return nil, errors.New("directory unreachable")
				}
				return nopChecker{}, nil
			}, Shared: tc.shared}}}
			err = p.applyChunks(context.Background(), Job{ID: "j", Kind: tc.kind}, rd, time.Now().Add(time.Minute),
				func(int) bool { return false }, errors.New("stopped"))
			if err == nil || !strings.Contains(err.Error(), "directory unreachable") {
				t.Fatalf("applyChunks: %v, want the builder's error", err)
			}
			if left := goroutinesIn("applyChunks"); left != "" {
				t.Errorf("goroutines of applyChunks left running:\n%s", left)
			}
		})
	}
}

type nopChecker struct{}

func (nopChecker) Check(context.Context, []Row) ([]Outcome, error) { return nil, nil }
func (nopChecker) Apply(context.Context, []Outcome) error          { return nil }

// goroutinesIn returns the stacks of goroutines still running fn, after
// giving those that are ending a moment to end (a hand-written goleak).
func goroutinesIn(fn string) string {
	var left string
	for i := 0; i < 100; i++ {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		left = ""
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "imports.(*Pipeline)."+fn) && !strings.Contains(g, "goroutinesIn") {
				left += g + "\n\n"
			}
		}
		if left == "" {
			return ""
		}
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	return left
}
