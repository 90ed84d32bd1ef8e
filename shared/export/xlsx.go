package export

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// sheetPart is where excelize puts the first worksheet.
const sheetPart = "xl/worksheets/sheet1.xml"

// xlsxSheet writes a workbook whose scaffold (styles, widths, the frozen
// header row, the workbook parts) excelize makes once, with the header row
// only; the data rows are written here straight into the worksheet part of
// the output ZIP, in the same XML excelize's StreamWriter writes (a test
// compares the two byte for byte). excelize's per-cell work (a struct, a
// cell name, an escaping pass and a few strings per cell) made xlsx over
// 10× the plain-CSV floor; here a row costs one reused buffer, the column
// letters are computed once and the row number once per row. Memory stays
// flat: rows go to the deflater as they come.
type xlsxSheet struct {
	zw      *zip.Writer
	w       *bufio.Writer // the worksheet part
	rest    []*zip.File   // the scaffold's other parts, copied on Close
	suffix  string        // the worksheet after its rows
	cols    []Column
	letters []string // A, B, … once
	text    string   // style id of text cells ("@", so edits keep leading zeros)
	row     int
	line    []byte
}

func newXLSX(w io.Writer, name string, cols []Column) (*xlsxSheet, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, err
	}
	head, err := f.NewStyle(&excelize.Style{NumFmt: 49, Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF5"}}})
	if err != nil {
		return nil, err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, width(c)); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = excelize.Cell{StyleID: head, Value: c.Title}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return nil, err
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var scaffold bytes.Buffer
	if _, err := f.WriteTo(&scaffold); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(scaffold.Bytes()), int64(scaffold.Len()))
	if err != nil {
		return nil, fmt.Errorf("read the workbook scaffold: %w", err)
	}
	s := &xlsxSheet{zw: zip.NewWriter(w), cols: cols, text: strconv.Itoa(text), row: 1}
	// Deflate at the fastest level: compression is most of what is left of
	// the time, and the speed levels cost a few percent of size.
	s.zw.RegisterCompressor(zip.Deflate, fastDeflate)
	var sheet []byte
	for _, zf := range zr.File {
		if zf.Name != sheetPart {
			s.rest = append(s.rest, zf)
			continue
		}
		r, err := zf.Open()
		if err != nil {
			return nil, err
		}
		sheet, err = io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	end := bytes.LastIndex(sheet, []byte("</sheetData>"))
	if end < 0 {
		return nil, fmt.Errorf("the workbook scaffold has no %s with rows", sheetPart)
	}
	s.suffix = string(sheet[end:])
	for i := range cols {
		s.letters = append(s.letters, columnLetters(i+1))
	}
	// The worksheet goes first, as excelize writes it; the other parts follow on Close.
	part, err := s.zw.CreateHeader(&zip.FileHeader{Name: sheetPart, Method: zip.Deflate})
	if err != nil {
		return nil, err
	}
	s.w = bufio.NewWriterSize(part, 256<<10)
	if _, err := s.w.Write(sheet[:end]); err != nil {
		return nil, err
	}
	return s, nil
}

func columnLetters(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

func (s *xlsxSheet) WriteRow(cells []string) error {
	if len(cells) != len(s.cols) {
		return fmt.Errorf("row has %d cells, the sheet %d columns", len(cells), len(s.cols))
	}
	s.row++
	r := strconv.Itoa(s.row)
	b := append(s.line[:0], `<row r="`...)
	b = append(append(b, r...), `">`...)
	for i, v := range cells {
		ref := s.letters[i]
		if s.cols[i].Kind == Number {
			if v = strings.TrimSpace(v); v != "" {
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("column %s: %q is not a number", s.cols[i].Title, v)
				}
				b = append(append(append(append(b, `<c r="`...), ref...), r...), `"><v>`...)
				b = strconv.AppendFloat(b, n, 'f', -1, 64)
				b = append(b, `</v></c>`...)
				continue
			}
		} else {
			v = csvtext.Neutralise(v)
		}
		b = append(append(append(append(b, `<c r="`...), ref...), r...), `" s="`...)
		b = append(append(b, s.text...), `" t="inlineStr"><is><t`...)
		if preserveSpace(v) {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = appendCellText(b, v)
		b = append(b, `</t></is></c>`...)
	}
	b = append(b, `</row>`...)
	s.line = b
	_, err := s.w.Write(b)
	return err
}

func (s *xlsxSheet) Close() error {
	if _, err := s.w.WriteString(s.suffix); err != nil {
		return err
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	for _, zf := range s.rest { // already compressed: copied as they are
		raw, err := zf.OpenRaw()
		if err != nil {
			return err
		}
		dst, err := s.zw.CreateRaw(&zf.FileHeader)
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, raw); err != nil {
			return err
		}
	}
	return s.zw.Close()
}

// preserveSpace: excelize marks text starting or ending with a space, tab,
// CR or LF so that readers keep it.
func preserveSpace(v string) bool {
	if v == "" {
		return false
	}
	return strings.IndexByte("\t\n\r ", v[0]) >= 0 || strings.IndexByte("\t\n\r ", v[len(v)-1]) >= 0
}

// appendCellText appends v as excelize writes an inline string: at most
// 32,767 UTF-16 units, XML-escaped (line feeds kept as they are), and
// OOXML's _xHHHH_ notation escaped. Most cells need none of it and are
// copied as they are.
func appendCellText(b []byte, v string) []byte {
	plain := len(v) <= maxCellChars
	for i := 0; plain && i < len(v); i++ {
		switch c := v[i]; {
		case c < 0x20 && c != '\n', c == '&', c == '<', c == '>', c == '"', c == '\'',
			c == '_' && i+1 < len(v) && v[i+1] == 'x',                     // _xHHHH_ notation
			c == 0xEF && i+2 < len(v) && v[i+1] == 0xBF && v[i+2] >= 0xBE: // U+FFFE, U+FFFF: not XML characters
			plain = false
		}
	}
	if plain && utf8.ValidString(v) {
		return append(b, v...)
	}
	return append(b, excelizeText(v)...)
}

// maxCellChars is excelize's TotalCellChars, in bytes for the quick check.
const maxCellChars = 32767

// excelizeText is excelize's trimCellValue + bstrMarshal for an inline
// string (github.com/xuri/excelize/v2, BSD-3-Clause), for the cells that
// need escaping.
func excelizeText(v string) string {
	if len(v) > maxCellChars {
		n := 0
		for i, r := range v {
			if n += utf16.RuneLen(r); n > maxCellChars {
				v = v[:i]
				break
			}
		}
	}
	var buf strings.Builder
	_ = xml.EscapeText(&buf, []byte(v))
	v = strings.ReplaceAll(buf.String(), "&#xA;", "\n")
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(v, -1), len(v), 0
	var out strings.Builder
	for _, m := range matches {
		out.WriteString(v[cursor:m[0]])
		sub := v[m[0]:m[1]]
		if sub == "_x005F_" {
			cursor = m[1]
			if m[1]+6 <= l && bstrEscapeExp.MatchString(v[m[1]:m[1]+6]) {
				if _, err := strconv.Unquote(`"\u` + v[m[1]+1:m[1]+5] + `"`); err == nil {
					out.WriteString(sub + "x005F" + sub)
					continue
				}
			}
			out.WriteString(sub + "x005F_")
			continue
		}
		if bstrExp.MatchString(sub) {
			cursor = m[1]
			if _, err := strconv.Unquote(`"\u` + v[m[0]+2:m[1]-1] + `"`); err == nil {
				out.WriteString("_x005F" + sub)
				continue
			}
		}
	}
	if cursor < l {
		out.WriteString(v[cursor:])
	}
	return out.String()
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// fastDeflate compresses the spreadsheets' own ZIP entries at the fastest
// level (klauspost/compress): compression was most of the time a workbook
// took to write, and the fast level costs a few percent of size.
func fastDeflate(out io.Writer) (io.WriteCloser, error) {
	return flate.NewWriter(out, flate.BestSpeed)
}
