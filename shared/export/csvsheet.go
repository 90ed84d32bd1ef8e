package export

import (
	"io"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
)

// csvSheet writes UTF-8 with a BOM, so Excel on Traditional-Chinese Windows
// opens it without garbling, and CRLF line ends.
type csvSheet struct {
	w    *csvtext.Writer
	cols []Column
}

func newCSV(w io.Writer, cols []Column) (*csvSheet, error) {
	cw, err := csvtext.NewWriter(w)
	if err != nil {
		return nil, err
	}
	s := &csvSheet{w: cw, cols: cols}
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

func (s *csvSheet) Close() error { return s.w.Close() }
