package export

import (
	"encoding/csv"
	"io"
)

// csvSheet writes UTF-8 with a BOM, so Excel on Traditional-Chinese Windows
// opens it without garbling, and CRLF line ends.
type csvSheet struct {
	w    *csv.Writer
	cols []Column
}

func newCSV(w io.Writer, cols []Column) (*csvSheet, error) {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return nil, err
	}
	s := &csvSheet{w: csv.NewWriter(w), cols: cols}
	s.w.UseCRLF = true
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Title
	}
	return s, s.w.Write(header)
}

func (s *csvSheet) WriteRow(cells []string) error {
	row, err := cleanRow(s.cols, cells)
	if err != nil {
		return err
	}
	return s.w.Write(row)
}

func (s *csvSheet) Close() error {
	s.w.Flush()
	return s.w.Error()
}
