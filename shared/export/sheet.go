// Package export writes spreadsheets officers can trust and packs them into
// password-protected ZIPs (X1): xlsx through excelize's StreamWriter, ods
// (OpenDocument, the Executive Yuan's document standard) streamed by hand,
// and csv in UTF-8 with a BOM. It also runs export jobs: an API call records a
// job, a worker writes the file to S3, and the requester fetches it with a
// presigned link that lives minutes.
package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
)

// Format is a spreadsheet format.
type Format string

const (
	XLSX Format = "xlsx"
	ODS  Format = "ods"
	CSV  Format = "csv"
)

// Valid reports whether f is one of the formats.
func (f Format) Valid() bool { return f == XLSX || f == ODS || f == CSV }

// Kind of a column decides how its cells are stored.
type Kind int

const (
	// Text cells stay text in every reader: IDs, codes and ROC dates keep
	// their leading zeros and never turn into numbers or dates.
	Text Kind = iota
	// Number cells are numbers (hours, counts).
	Number
)

// Column is one column of a sheet.
type Column struct {
	Title string // Chinese header
	Kind  Kind
	Width float64 // in characters; 0 picks one from the title
}

// Sheet receives the rows of one table. Cells are strings; a Number column's
// cells must be decimal numbers (or empty).
type Sheet interface {
	WriteRow(cells []string) error
	Close() error // flushes; the underlying writer stays open
}

// NewSheet starts a sheet of format f on w with the given columns as its
// header row.
func NewSheet(f Format, w io.Writer, name string, cols []Column) (Sheet, error) {
	switch f {
	case XLSX:
		return newXLSX(w, name, cols)
	case ODS:
		return newODS(w, name, cols)
	case CSV:
		return newCSV(w, cols)
	}
	return nil, fmt.Errorf("unknown format %q", f)
}

func width(c Column) float64 {
	if c.Width > 0 {
		return c.Width
	}
	n := 0
	for _, r := range c.Title {
		if r > 0x2e80 { // CJK: two columns wide
			n += 2
		} else {
			n++
		}
	}
	return float64(max(n+2, 10))
}

// cleanRow neutralises text cells and checks the row's width.
func cleanRow(cols []Column, cells []string) ([]string, error) {
	if len(cells) != len(cols) {
		return nil, fmt.Errorf("row has %d cells, the sheet %d columns", len(cells), len(cols))
	}
	out := make([]string, len(cells))
	for i, c := range cells {
		if cols[i].Kind == Text {
			out[i] = csvtext.Neutralise(c) // the one rule of every file the system writes
			continue
		}
		out[i] = strings.TrimSpace(c)
		if _, err := strconv.ParseFloat(out[i], 64); out[i] != "" && err != nil {
			return nil, fmt.Errorf("column %s: %q is not a number", cols[i].Title, c)
		}
	}
	return out, nil
}
