package export

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
)

// streamWriterSheet writes the rows the way the xlsx sheet did before it
// wrote rows itself: excelize's StreamWriter, cell by cell. The reference the
// faster writer must match.
func streamWriterSheet(t *testing.T, cols []Column, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "資料"); err != nil {
		t.Fatal(err)
	}
	sw, _ := f.NewStreamWriter("資料")
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
	head, _ := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF5"}}})
	for i, c := range cols {
		_ = sw.SetColWidth(i+1, i+1, width(c))
	}
	_ = sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: head, Value: c.Title}
	}
	_ = sw.SetRow("A1", header)
	for r, row := range rows {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = excelize.Cell{StyleID: text, Value: v}
			if cols[i].Kind == Number {
				if v = strings.TrimSpace(v); v != "" {
					n, _ := strconv.ParseFloat(v, 64)
					cells[i] = excelize.Cell{Value: n}
				}
			} else {
				cells[i] = excelize.Cell{StyleID: text, Value: csvtext.Neutralise(v)}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func parts(t *testing.T, file []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		out[f.Name] = string(b)
	}
	return out
}

// The rows written here are the rows excelize's StreamWriter writes, byte
// for byte, including every case that needs escaping; so are the other parts.
func TestXLSXRowsAreExcelizes(t *testing.T) {
	cols := []Column{{Title: "身分證字號"}, {Title: "姓名"}, {Title: "課程名稱"}, {Title: "開課日期"},
		{Title: "時數", Kind: Number}, {Title: "數位時數", Kind: Number}, {Title: "備註"}}
	var rows [][]string
	odd := []string{"", " lead", "trail ", "兩行\n文字", "a\r\nb", "tab\there", `"quoted" & <tag> 'x'`, "ctl\x01\x1f",
		"_x0041_ and _x005F_x0041_ and _x005F_", "bad utf8 \xff\xfe", "nonchar \uFFFE\uFFFF", "全形（括號）",
		"=1+2", "+1+cmd|' /C calc'!A0", "-3", "@SUM(A1)", strings.Repeat("長", 40000), "emoji 😀 " + strings.Repeat("😀", 17000)}
	for i := 0; i < 300; i++ {
		row := []string{fmt.Sprintf("A1%08d", i), "王" + string(rune(0x5c0f+i%50)) + "明", "數位治理實務與個人資料保護",
			fmt.Sprintf("115/%02d/%02d", 1+i%12, 1+i%28), strconv.Itoa(3 + i%10), "0", odd[i%len(odd)]}
		if i%7 == 0 {
			row[4] = ""
		}
		if i%11 == 0 {
			row[5] = " 2.50 "
		}
		rows = append(rows, row)
	}
	got, want := parts(t, writeSheet(t, XLSX, "資料", cols, rows)), parts(t, streamWriterSheet(t, cols, rows))
	if len(got) != len(want) {
		t.Fatalf("%d parts, excelize writes %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("part %s missing", name)
			continue
		}
		if g != w {
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Errorf("part %s differs at byte %d:\n got …%.200s\nwant …%.200s", name, i, g[max(0, i-40):], w[max(0, i-40):])
		}
	}
}
