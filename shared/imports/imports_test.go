package imports

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

func kind(t testing.TB, id string) Kind {
	k, ok := KindByID(id)
	if !ok {
		t.Fatalf("no kind %s", id)
	}
	return k
}

func big5(t testing.TB, s string) []byte {
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readAll(t *testing.T, file []byte, k Kind) (*Reader, []Row) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(file), k)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return rd, rows
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
}

const extHeader = "身分證字號*,姓名*,訓練進修機構名稱*,課程名稱*,起始日期*,終迄日期*,課程類別代碼*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,上課縣市,訓練成績\r\n"

func TestTemplateIsTheParsersLayout(t *testing.T) {
	for _, k := range Kinds {
		tpl := TemplateCSV(k)
		if !bytes.HasPrefix(tpl, []byte("\uFEFF")) {
			t.Errorf("%s: template has no BOM", k.ID)
		}
		rd, err := NewReader(bytes.NewReader(tpl), k)
		if err != nil {
			t.Fatalf("%s: the template's own header is refused: %v", k.ID, err)
		}
		if rd.Layout != k.Template().Name || len(rd.Extra) != 0 {
			t.Errorf("%s: template read as %q, extra %v", k.ID, rd.Layout, rd.Extra)
		}
		if _, err := rd.Next(); err != io.EOF {
			t.Errorf("%s: header only, yet a row: %v", k.ID, err)
		}
		for _, c := range k.Template().Columns {
			if c.Required && !strings.Contains(string(tpl), c.Header+"*") {
				t.Errorf("%s: required %s not marked *", k.ID, c.Header)
			}
		}
	}
}

func TestEncodingsAndLayouts(t *testing.T) {
	k := kind(t, HoursExternal)
	row := "A123456789,王小明,國家文官學院,英語簡報,115/10/01,115/10/01,3111,6,1,2,,6,A,\r\n"
	utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(extHeader + row))
	for _, tc := range []struct {
		name, enc, fileErr string
		file               []byte
	}{
		{"big5", "Big5", "", big5(t, extHeader+row)},
		{"utf-8 with BOM", "UTF-8 (BOM)", "", []byte("\uFEFF" + extHeader + row)},
		{"utf-8", "UTF-8", "", []byte(extHeader + row)},
		{"mixed line endings", "UTF-8", "", []byte(strings.ReplaceAll(extHeader, "\r\n", "\n") + row)},
		{"utf-16", "", "UTF-16", utf16},
		{"binary named .csv", "", "不是文字檔", []byte("PK\x03\x04\x00\x00binary")},
		{"empty", "", "空的", nil},
		{"missing columns", "", "課程名稱", []byte("身分證字號,姓名\r\nA123456789,王\r\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := NewReader(bytes.NewReader(tc.file), k)
			if tc.fileErr != "" {
				var fe *FileError
				if err == nil || !strings.Contains(err.Error(), tc.fileErr) || !errorsAs(err, &fe) {
					t.Fatalf("got %v, want a file error about %s", err, tc.fileErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rd.Encoding != tc.enc {
				t.Errorf("encoding %s, want %s", rd.Encoding, tc.enc)
			}
			r, err := rd.Next()
			if err != nil || r.Bad != nil || r.Get(cName) != "王小明" || r.Get(cCourse) != "英語簡報" || r.Line != 2 {
				t.Errorf("row %+v %v", r, err)
			}
		})
	}
	// The portal's 25- and 19-column layouts are recognised by their headers.
	for _, l := range portalLayouts() {
		var h []string
		for _, c := range l.Columns {
			h = append(h, c.Header)
		}
		rd, err := NewReader(strings.NewReader(strings.Join(h, ",")+"\n"), k)
		if err != nil || rd.Layout != l.Name {
			t.Errorf("%s: %v %v", l.Name, rd, err)
		}
	}
}

func errorsAs(err error, fe **FileError) bool {
	e, ok := err.(*FileError)
	*fe = e
	return ok
}

func TestRowsThatCannotBeRead(t *testing.T) {
	k := kind(t, HoursExternal)
	file := extHeader +
		"A123456789,\"王,小明\",\"國家\n文官學院\",英語,115/10/01,115/10/01,3111,6,1,2,,6,,,extra,columns\r\n" + // quoted comma and newline, extra columns
		"A123456789,王小明,=1+2,英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n" + // formula-like text: text, as in JSON
		"A123456789,王小明,機構,英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n" +
		"A123456789,王\"小明,機構,英語\r\n" // a stray quote
	_, rows := readAll(t, []byte(file), k)
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[0].Bad != nil || rows[0].Get(cName) != "王,小明" || rows[0].Get(cInst) != "國家\n文官學院" {
		t.Errorf("quoted fields: %+v", rows[0])
	}
	if rows[1].Bad != nil || rows[1].Get(cInst) != "=1+2" || rows[1].Line != 4 { // row 1 spans lines 2–3
		t.Errorf("formula-like text: %+v", rows[1])
	}
	if rows[2].Bad != nil || rows[2].Line != 5 {
		t.Errorf("plain row after a formula: %+v", rows[2])
	}
	if rows[3].Bad == nil || rows[3].Line != 6 {
		t.Errorf("stray quote: %+v", rows[3])
	}
}

// One text rule for every path (issue 27): a cell holding what the JSON
// routes refuse (limits.BadRune) fails its row, whichever column it is in.
func TestCSVCellsFollowTheJSONTextRule(t *testing.T) {
	k := kind(t, HoursExternal)
	for _, tc := range []struct {
		name, inst string
		refused    bool
	}{
		{"C0 control", "國家\x01文官學院", true},
		{"right-to-left override", "abc\u202egpj.exe", true},
		{"zero-width space only", "\u200b", true},
		{"RLM", "國家文官學院\u200f", true},
		{"BOM inside", "國家\ufeff文官學院", true},
		{"line separator", "國家\u2028文官學院", true},
		{"tag character", "國家\U000E0041", true},
		{"private use", "\ue000", true},
		{"ESC", "\x1b[31m", true},
		{"a quoted line break, as multiline text", "\"國家\n文官學院\"", false},
		{"ideographic space", "國家　文官學院", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := extHeader + "A123456789,王小明," + tc.inst + ",英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n"
			_, rows := readAll(t, []byte(file), k)
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			if refused := rows[0].Bad != nil && strings.Contains(rows[0].Bad.Msg, "第 3 欄含有不允許的"); refused != tc.refused {
				t.Errorf("refused %v, want %v (%+v)", refused, tc.refused, rows[0].Bad)
			}
		})
	}
}

// One rule for CSV cells and JSON text (issue 27): what limits.CheckText
// accepts in a JSON field a CSV cell holds too, and what it refuses fails
// the row. Formula-like text is accepted by both and neutralised by every
// file the system writes (csvtext.Neutralise; TestResultFileNeutralisesEveryCell),
// as issue 13's finding 4 asked of the files. (A CSV cell is judged as a
// multiline field: a quoted cell may hold a line break or a tab.)
func TestCSVCellsAndJSONTextShareOneRule(t *testing.T) {
	k := kind(t, HoursExternal)
	for _, v := range []string{
		"=1+2", "+1+cmd|' /C calc'!A0", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "+886-2-1234", "-3", "+886", "國家文官學院",
		"abc\u202egpj.exe", "\u200b", "國家\u2028文官學院", "\ue000", "a\x1bb",
	} {
		file := extHeader + "A123456789,王小明," + v + ",英語,115/10/01,115/10/01,3111,6,1,2,,6,,\r\n"
		_, rows := readAll(t, []byte(file), k)
		if len(rows) != 1 {
			t.Fatalf("%q: %d rows", v, len(rows))
		}
		csvRefused := rows[0].Bad != nil
		jsonRefused := limits.CheckText("institution", v, 100, false) != nil
		if csvRefused != jsonRefused {
			t.Errorf("%q: CSV refused %v (%+v), JSON refused %v", v, csvRefused, rows[0].Bad, jsonRefused)
		}
		if !csvRefused && rows[0].Get(cInst) != v {
			t.Errorf("%q: stored as %q", v, rows[0].Get(cInst))
		}
	}
}

func TestHourRules(t *testing.T) {
	for _, tc := range []struct {
		total, unit, nature, dig, phy string
		hours, d, p                   int
		err                           string
	}{
		{"6", "1", "2", "", "", 6, 0, 6, ""},
		{"2", "天", "1", "", "", 12, 12, 0, ""},
		{"1", "3", "實體", "", "18", 18, 0, 18, ""},
		{"6", "1", "3", "2", "4", 6, 2, 4, ""},
		{"6", "1", "3", "2", "", 0, 0, 0, "混成學習須同時填寫"},
		{"6", "1", "3", "2", "3", 0, 0, 0, "須等於認證時數"},
		{"2.5", "1", "2", "", "", 0, 0, 0, "不接受小數"},
		{"-3", "1", "2", "", "", 0, 0, 0, "負數"},
		{"", "1", "2", "", "", 0, 0, 0, "請填寫訓練總數"},
		{"abc", "1", "2", "", "", 0, 0, 0, "不是數字"},
		{"0", "1", "2", "", "", 0, 0, 0, "大於 0"},
		{"6", "週", "2", "", "", 0, 0, 0, "單位"},
		{"6", "1", "9", "", "", 0, 0, 0, "學習性質"},
		{"6", "1", "1", "", "6", 0, 0, 0, "不填實體時數"},
		{"6", "1", "2", "", "5", 0, 0, 0, "須等於認證時數"},
	} {
		h, d, p, _, err := HourRules(tc.total, tc.unit, tc.nature, tc.dig, tc.phy)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%+v: %v", tc, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Msg, tc.err)):
			t.Errorf("%+v: got %v, want %q", tc, err, tc.err)
		case tc.err == "" && (h != tc.hours || d != tc.d || p != tc.p):
			t.Errorf("%+v: got %d/%d/%d", tc, h, d, p)
		}
	}
}

// people is an in-memory directory for unit tests and the benchmark.
type people map[string]staff.Ref

func (p people) ByNationalIDs(_ context.Context, ids []string) (map[string]staff.Ref, error) {
	out := map[string]staff.Ref{}
	for _, id := range ids {
		if r, ok := p[id]; ok {
			out[id] = r
		}
	}
	return out, nil
}

type classes map[string]catalog.Class

func (c classes) Get(_ context.Context, code, session string) (catalog.Class, error) {
	if k, ok := c[code+"#"+session]; ok {
		return k, nil
	}
	return catalog.Class{}, errcode.New(errcode.NotFound, "no class")
}

// flatTree puts every agency directly below 301000000A (the checkers' job's
// agency): the scope itself is tested against DynamoDB Local (scope_test.go).
type flatTree struct{}

func (flatTree) Get(_ context.Context, code string) (agency.Agency, error) {
	if code == "301000000A" {
		return agency.Agency{Code: code, Path: code}, nil
	}
	return agency.Agency{Code: code, Path: "301000000A/" + code}, nil
}

func (f flatTree) GetMany(ctx context.Context, codes []string) (map[string]agency.Agency, error) {
	out := map[string]agency.Agency{}
	for _, c := range codes {
		out[c], _ = f.Get(ctx, c)
	}
	return out, nil
}

type memRecords struct{ got []records.Record }

func (m *memRecords) WriteRecords(_ context.Context, r []records.Record) error {
	m.got = append(m.got, r...)
	return nil
}

func checkerFor(t testing.TB, k string, ppl people) *hoursChecker {
	cats, err := codes.Default(codes.Categories)
	if err != nil {
		t.Fatal(err)
	}
	return &hoursChecker{kind: k, job: Job{ID: "j1", Agency: "301000000A", AgencyName: "內政部", Created: time.Unix(0, 0)},
		people: ppl, cats: cats, writer: &memRecords{}, cache: map[string]staff.Ref{}, classMem: map[string]classLookup{},
		agencies: flatTree{}, agMem: map[string]agency.Agency{},
		classes: classes{"MOI-1#1": {CourseCode: "MOI-1", Session: "1", Agency: "301000000A", Name: "研習", Category: "111", Start: "2026-03-01", End: "2026-03-01"},
			"TPE-1#1": {CourseCode: "TPE-1", Session: "1", Agency: "379000000A"}}}
}

func TestHoursRows(t *testing.T) {
	ppl := people{"A123456789": {ID: "p1", Agency: "301000000A", Name: "王小明"}}
	ext := kind(t, HoursExternal)
	file := extHeader +
		"A123456789,王小明,文官學院,英語,115/10/01,115/10/02,3111,6,1,2,,6,,90\r\n" + // ok
		"A123456788,王小明,文官學院,英語,115/10/01,115/10/02,3111,6,1,2,,6,,\r\n" + // bad checksum
		"B123456780,王小明,文官學院,英語,115/10/01,115/10/02,3111,6,1,2,,6,,\r\n" + // unknown person
		"A123456789,王大明,文官學院,英語,115/10/01,115/10/02,3111,6,1,2,,6,,\r\n" + // wrong name
		"A123456789,王小明,文官學院,英語,115/02/30,115/10/02,3111,6,1,2,,6,,\r\n" + // impossible date
		"A123456789,王小明,文官學院,英語,2026-10-03,2026-10-01,3111,6,1,2,,6,,\r\n" + // end before start
		"A123456789,王小明,文官學院,英語,115/10/01,115/10/02,999,6,1,2,,6,,\r\n" + // unknown category
		"A123456789,王小明,文官學院,英語,115/10/01,115/10/02,3111,6,1,2,,6,,101\r\n" // score
	_, rows := readAll(t, []byte(file), ext)
	h := checkerFor(t, HoursExternal, ppl)
	outs, err := h.Check(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", "身分證字號", "查無", "姓名", "不存在", "終迄日期", "類別代碼", "訓練成績"}
	for i, w := range want {
		got := ""
		if outs[i].Err != nil {
			got = outs[i].Err.Msg
		}
		if (w == "") != (got == "") || !strings.Contains(got, w) {
			t.Errorf("line %d: %q, want %q", outs[i].Line, got, w)
		}
		if strings.Contains(got, "A123456788") || strings.Contains(got, "B123456780") {
			t.Errorf("line %d shows a whole national ID: %q", outs[i].Line, got)
		}
	}
	rec := outs[0].Value.(records.Record)
	if rec.PersonID != "p1" || rec.Hours != 6 || rec.PhysicalHours != 6 || rec.Year != 2026 || rec.Institution != "文官學院" ||
		rec.Score == nil || *rec.Score != 90 || rec.ID[:2] != "B#" {
		t.Errorf("record %+v", rec)
	}
	// Same six values, same record id: an update; any difference, a new one.
	again, _ := h.Check(context.Background(), rows[:1])
	if again[0].Value.(records.Record).ID != rec.ID {
		t.Error("same natural key, different record id")
	}

	cls := kind(t, HoursClass)
	file = "身分證字號*,姓名*,課程代碼*,期別*,訓練總數*,訓練總數單位*,學習性質*,數位時數,實體時數,認證結果,訓練成績\n" +
		"A123456789,王小明,moi-1,01,6,1,2,,,不通過,\n" +
		"A123456789,王小明,MOI-1,2,6,1,2,,,,\n" +
		"A123456789,王小明,TPE-1,1,6,1,2,,,,\n"
	_, rows = readAll(t, []byte(file), cls)
	h = checkerFor(t, HoursClass, ppl)
	outs, err = h.Check(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if outs[0].Err != nil || outs[0].Value.(records.Record).ID != records.ClassRecordID("MOI-1", "1") || *outs[0].Value.(records.Record).Passed {
		t.Errorf("class row: %+v", outs[0])
	}
	if outs[1].Err == nil || !strings.Contains(outs[1].Err.Msg, "找不到") {
		t.Errorf("unknown session: %+v", outs[1].Err)
	}
	if outs[2].Err == nil || !strings.Contains(outs[2].Err.Msg, "不是本機關") {
		t.Errorf("another agency's class: %+v", outs[2].Err)
	}
}

// BenchmarkParseValidate: decode (Big5), parse and check learner-hour rows
// with an in-memory directory, on one core: go test -bench ParseValidate -cpu 1.
func BenchmarkParseValidate(b *testing.B) {
	const n = 50_000
	ppl := people{}
	var buf bytes.Buffer
	buf.WriteString(extHeader)
	r := newRand()
	ids := make([]string, 5000)
	for i := range ids {
		ids[i] = nid.Generate(r, 1+i%2)
		ppl[ids[i]] = staff.Ref{ID: fmt.Sprint(i), Agency: "301000000A", Name: "王小明"}
	}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, "%s,王小明,國家文官學院,英語簡報技巧第%d期,115/10/%02d,115/10/%02d,3111,%d,1,2,,,A,%d\r\n",
			ids[i%len(ids)], i, 1+i%28, 1+i%28, 1+i%8, i%100)
	}
	file := big5(b, buf.String())
	k := kind(b, HoursExternal)
	b.SetBytes(int64(len(file)))
	b.ResetTimer()
	for range b.N {
		rd, err := NewReader(bytes.NewReader(file), k)
		if err != nil {
			b.Fatal(err)
		}
		h := checkerFor(b, HoursExternal, ppl)
		rows := 0
		err = eachChunk(rd, 0, func(_ int, batch []Row) error {
			outs, err := h.Check(context.Background(), batch)
			for _, o := range outs {
				if o.Err != nil {
					b.Fatalf("line %d: %s", o.Line, o.Err.Msg)
				}
			}
			rows += len(outs)
			return err
		})
		if err != nil || rows != n {
			b.Fatalf("%d rows, %v", rows, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestKeySet(t *testing.T) {
	var s keySet
	for i := 1; i <= 100_000; i++ {
		if got := s.firstOr(keyHash(uint64(i)*2654435761), i+1); got != 0 {
			t.Fatalf("key %d seen before at line %d", i, got)
		}
	}
	for i := 1; i <= 100_000; i += 997 {
		if got := s.firstOr(keyHash(uint64(i)*2654435761), 999_999); got != i+1 {
			t.Fatalf("key %d: first line %d, want %d", i, got, i+1)
		}
	}
	if got := s.firstOr(0, 5); got != 0 || s.firstOr(0, 6) != 5 {
		t.Error("the zero hash")
	}
}
