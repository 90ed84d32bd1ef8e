package csvtext

import (
	"encoding/csv"
	"io"
)

// Formula reports a cell that a spreadsheet could run as a formula, as OWASP
// describes CSV injection: one starting with =, +, -, @, a tab or a carriage
// return. A plain number (-3, +886, -1.5) is not one: spreadsheets read it as
// the number it is, and uploads carry such values legitimately.
func Formula(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !plainNumber(s[1:])
	}
	return false
}

// plainNumber: digits with at most one decimal point between digits.
func plainNumber(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// Neutralise is the one defence every file the system writes uses (CSV,
// xlsx, ods): a cell that Formula reports gets a leading apostrophe, which
// spreadsheets take as "this is text", so the officer sees the text stored
// and nothing runs.
func Neutralise(s string) string {
	if Formula(s) {
		return "'" + s
	}
	return s
}

// Writer writes a CSV file as officers open it (UTF-8 with a BOM, which
// Excel on Traditional-Chinese Windows needs; CRLF line ends) with every cell
// passed through Neutralise. Every CSV the system writes goes through it.
type Writer struct {
	w   *csv.Writer
	row []string
}

// NewWriter writes the BOM and returns the writer.
func NewWriter(w io.Writer) (*Writer, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}, nil
}

// Write writes one row; the caller's slice is left as it was.
func (w *Writer) Write(cells []string) error {
	w.row = w.row[:0]
	for _, c := range cells {
		w.row = append(w.row, Neutralise(c))
	}
	return w.w.Write(w.row)
}

// Close flushes what is buffered and reports any write error.
func (w *Writer) Close() error {
	w.w.Flush()
	return w.w.Error()
}
