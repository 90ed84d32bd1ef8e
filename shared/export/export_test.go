package export

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
)

var cols = []Column{
	{Title: "身分證字號", Kind: Text}, {Title: "機關代碼", Kind: Text}, {Title: "姓名", Kind: Text},
	{Title: "上課日期", Kind: Text}, {Title: "時數", Kind: Number}, {Title: "備註", Kind: Text},
}

// The rows carry what spreadsheets like to break: leading zeros, a code that
// looks like a date, a ROC date, formulas, a negative-looking text, quotes,
// commas and a line break.
var rows = [][]string{
	{"A123456789", "0301000000", "王小明", "113/03/01", "6", `=HYPERLINK("http://x","點我")`},
	{"B234567890", "00123", "陳「大」華", "113/12/31", "18", "+886-2-1234"},
	{"C123456780", "2024-03", "林, 美玲", "99/01/05", "0", "@SUM(A1)"},
	{"D123456781", "1-2", "張三", "100/10/10", "", "兩行\n文字與 \"引號\""},
}

// want is what a reader must show for each cell.
func want(r, c int) string {
	v := rows[r][c]
	if cols[c].Kind == Text {
		return csvtext.Neutralise(v)
	}
	return v
}

func write(t *testing.T, f Format) []byte {
	t.Helper()
	return writeSheet(t, f, "名冊", cols, rows)
}

// writeSheet writes rows under cols as a sheet named name in format f.
func writeSheet(t *testing.T, f Format, name string, cols []Column, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	s, err := NewSheet(f, &buf, name, cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := s.WriteRow(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCSV(t *testing.T) {
	b := write(t, CSV)
	if !bytes.HasPrefix(b, []byte("\ufeff")) || !bytes.Contains(b, []byte("\r\n")) {
		t.Fatal("csv must start with a BOM and use CRLF")
	}
	got, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	check(t, "csv", got)
}

func TestRowWidthIsChecked(t *testing.T) {
	for _, f := range []Format{XLSX, ODS, CSV} {
		s, _ := NewSheet(f, &bytes.Buffer{}, "x", cols)
		if err := s.WriteRow([]string{"only one"}); err == nil {
			t.Errorf("%s accepted a short row", f)
		}
		if err := s.WriteRow([]string{"a", "b", "c", "d", "six", "f"}); err == nil {
			t.Errorf("%s accepted text in a number column", f)
		}
	}
}

// LibreOffice reads the xlsx and the ods back (converting them to csv, as an
// officer's spreadsheet program would read them) and every value matches.
func TestSpreadsheetsReadBackByLibreOffice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts LibreOffice (seconds each): make test, not under -short (make check)")
	}
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Fatal("LibreOffice (soffice) is needed to read the files back: apt-get install libreoffice-calc")
	}
	dir := t.TempDir()
	for _, f := range []Format{XLSX, ODS} {
		in := filepath.Join(dir, "roster."+string(f))
		if err := os.WriteFile(in, write(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, string(f))
		// Filter options: comma, UTF-8 (76), quote ", first line 1, keep cell formats as shown.
		cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless",
			"--convert-to", `csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false`, "--outdir", out, in)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("soffice %s: %v\n%s", f, err, b)
		}
		raw, err := os.ReadFile(filepath.Join(out, "roster.csv"))
		if err != nil {
			t.Fatalf("%s: LibreOffice wrote nothing: %v", f, err)
		}
		got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v\n%s", f, err, raw)
		}
		check(t, string(f), got)
	}
}

func check(t *testing.T, name string, got [][]string) {
	t.Helper()
	if len(got) != len(rows)+1 {
		t.Fatalf("%s: %d rows, want %d: %q", name, len(got), len(rows)+1, got)
	}
	for c, col := range cols {
		if got[0][c] != col.Title {
			t.Errorf("%s header %d = %q, want %q", name, c, got[0][c], col.Title)
		}
	}
	for r := range rows {
		for c := range cols {
			if g, w := got[r+1][c], want(r, c); g != w {
				t.Errorf("%s row %d col %s = %q, want %q", name, r+1, cols[c].Title, g, w)
			}
		}
	}
}

// 7-Zip opens the AES-256 ZIP with the password, refuses a wrong one, and
// keeps the Chinese file name.
func TestPackOpensWith7Zip(t *testing.T) {
	sevenZip, err := exec.LookPath("7z")
	if err != nil {
		t.Fatal("7-Zip is needed to open the ZIP: apt-get install p7zip-full")
	}
	dir := t.TempDir()
	pw := Password()
	name := "內政部_課程名冊.csv"
	var zbuf bytes.Buffer
	if err := Pack(&zbuf, name, pw, func(w io.Writer) error {
		_, err := w.Write(write(t, CSV))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "export.zip")
	os.WriteFile(zipPath, zbuf.Bytes(), 0o644)
	list, err := exec.Command(sevenZip, "l", "-slt", "-p"+pw, zipPath).CombinedOutput()
	if err != nil {
		t.Fatalf("7z l: %v\n%s", err, list)
	}
	if !strings.Contains(string(list), "Path = "+name) || !strings.Contains(string(list), "AES-256") {
		t.Fatalf("7z does not list %s with AES-256:\n%s", name, list)
	}
	if out, err := exec.Command(sevenZip, "x", "-y", "-pwrong-password", "-o"+filepath.Join(dir, "bad"), zipPath).CombinedOutput(); err == nil {
		t.Fatalf("a wrong password opened the ZIP:\n%s", out)
	}
	if out, err := exec.Command(sevenZip, "x", "-y", "-p"+pw, "-o"+filepath.Join(dir, "ok"), zipPath).CombinedOutput(); err != nil {
		t.Fatalf("7z x: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(dir, "ok", name))
	if err != nil || !bytes.Equal(got, write(t, CSV)) {
		t.Fatalf("extracted %s: %v", name, err)
	}
}

func TestPassword(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		p := Password()
		if len(p) != 24 || strings.Count(p, "-") != 4 || seen[p] || strings.ContainsAny(p, "0O1lI") {
			t.Fatalf("Password() = %q", p)
		}
		seen[p] = true
	}

}

func TestSafeName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"../../tmp/evil_名冊.csv", "tmp_evil_名冊.csv"},
		{`..\..\Windows\evil.xlsx`, "Windows_evil.xlsx"},
		{"/etc/passwd", "etc_passwd"},
		{"301A-1_數位治理實務與個人資料保護_名冊.xlsx", "301A-1_數位治理實務與個人資料保護_名冊.xlsx"},
		{"課程\x00名\x1b稱\r\n.csv", "課程名稱.csv"},
		{"名冊\u202Egpj.exe", "名冊gpj.exe"}, // a right-to-left override hides the real extension
		{"a:b*c?d\"e<f>g|h.ods", "a_b_c_d_e_f_g_h.ods"},
		{"...", "匯出"},
		{"", "匯出"},
		{"全形／斜線與　空白", "全形／斜線與　空白"}, // full-width characters are not separators
	} {
		if got := SafeName(tc.in); got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if n := len([]rune(SafeName(strings.Repeat("很長的課程名稱", 100)))); n > maxNameRunes {
		t.Errorf("a long name kept %d characters", n)
	}
}

// Finding 9 of issue 13: a course name with a path in it became a ZIP entry
// that 7-Zip would extract outside its folder. The entry is one plain name.
func TestPackNamesNoPath(t *testing.T) {
	sevenZip, err := exec.LookPath("7z")
	if err != nil {
		t.Fatal("7-Zip is needed to open the ZIP: apt-get install p7zip-full")
	}
	dir := t.TempDir()
	pw := Password()
	var zbuf bytes.Buffer
	if err := Pack(&zbuf, "../../tmp/evil_名冊.csv", pw, func(w io.Writer) error {
		_, err := w.Write([]byte("x\r\n"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(dir, "export.zip")
	if err := os.WriteFile(zipPath, zbuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "a", "b", "out")
	if b, err := exec.Command(sevenZip, "x", "-y", "-p"+pw, "-o"+out, zipPath).CombinedOutput(); err != nil {
		t.Fatalf("7z x: %v\n%s", err, b)
	}
	var files []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && p != zipPath {
			files = append(files, strings.TrimPrefix(p, dir+"/"))
		}
		return nil
	})
	if len(files) != 1 || files[0] != "a/b/out/tmp_evil_名冊.csv" {
		t.Errorf("7-Zip extracted %v, want only a/b/out/tmp_evil_名冊.csv", files)
	}
}
