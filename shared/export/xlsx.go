package export

import (
	"archive/zip"
	"io"
	"strconv"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// xlsxSheet streams rows through excelize's StreamWriter (which spills to a
// temporary file past a threshold, so memory stays flat) and writes the
// workbook to w on Close.
type xlsxSheet struct {
	f     *excelize.File
	sw    *excelize.StreamWriter
	out   io.Writer
	cols  []Column
	row   int
	text  int // style: text format "@", so edits keep leading zeros
	cells []any
	buf   []excelize.Cell // reused for every row: no allocation per cell
}

func newXLSX(w io.Writer, name string, cols []Column) (*xlsxSheet, error) {
	f := excelize.NewFile()
	// Deflate at the fastest level: the workbook's own compression is most of
	// the time it takes to write, and the speed levels cost a few percent of size.
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		z := zip.NewWriter(w)
		z.RegisterCompressor(zip.Deflate, fastDeflate)
		return z
	})
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
	return &xlsxSheet{f: f, sw: sw, out: w, cols: cols, row: 1, text: text, cells: make([]any, len(cols)),
		buf: make([]excelize.Cell, len(cols))}, nil
}

func (s *xlsxSheet) WriteRow(cells []string) error {
	row, err := cleanRow(s.cols, cells)
	if err != nil {
		return err
	}
	s.row++
	for i, v := range row {
		s.buf[i] = excelize.Cell{StyleID: s.text, Value: v}
		if s.cols[i].Kind == Number && v != "" {
			n, _ := strconv.ParseFloat(v, 64) // checked by cleanRow
			s.buf[i] = excelize.Cell{Value: n}
		}
		s.cells[i] = &s.buf[i]
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	return s.sw.SetRow(cell, s.cells)
}

func (s *xlsxSheet) Close() error {
	if err := s.sw.Flush(); err != nil {
		return err
	}
	if _, err := s.f.WriteTo(s.out); err != nil {
		return err
	}
	return s.f.Close() // removes the stream's temporary files
}

// fastDeflate compresses the spreadsheets' own ZIP entries at the fastest
// level (klauspost/compress): compression was most of the time a workbook
// took to write, and the fast level costs a few percent of size.
func fastDeflate(out io.Writer) (io.WriteCloser, error) {
	return flate.NewWriter(out, flate.BestSpeed)
}
