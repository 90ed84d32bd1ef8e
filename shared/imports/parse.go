package imports

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/csvtext"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
)

// FileError is a problem with the whole file: nothing of it is applied.
type FileError struct{ Msg string }

func (e *FileError) Error() string { return e.Msg }

// RowError is a problem with one row, in words an officer can act on, and a
// stable machine code (a platform's program reads the code; "" is
// CodeInvalidRow).
type RowError struct {
	Msg  string
	Code string
}

func (e *RowError) Error() string { return e.Msg }

func rowErr(format string, a ...any) *RowError { return &RowError{Msg: fmt.Sprintf(format, a...)} }

// rowErrCode is rowErr with a machine code.
func rowErrCode(code, format string, a ...any) *RowError {
	return &RowError{Msg: fmt.Sprintf(format, a...), Code: code}
}

// Row error codes a platform's program can act on (every other row error is
// CodeInvalidRow: the message says what to fix).
const (
	CodeInvalidRow      = "invalid_record"
	CodeUnknownPerson   = "unknown_national_id"
	CodeDuplicateRecord = "duplicate_record_id" // a platform batch's record id, twice
	CodeDuplicateRow    = "duplicate_row"       // an upload's natural key, twice
	CodeMissingRecordID = "missing_record_id"
	// CodeApplyAbandoned: the batch's apply died PlatformDeaths times and was
	// ended; the record may or may not be written (resend it: a resend updates).
	CodeApplyAbandoned = "apply_abandoned"
	// CodeSuperseded: a batch staged later already wrote the record (kept
	// as it is).
	CodeSuperseded = "superseded"
	// CodeFileChanged: the file was replaced after it was checked (a second
	// PUT through the upload link); nothing of the new file is applied.
	CodeFileChanged = "file_changed"
)

// code is e's machine code.
func (e *RowError) code() string {
	if e.Code == "" {
		return CodeInvalidRow
	}
	return e.Code
}

// Row is one data row of a file.
type Row struct {
	Line   int // line of the file where the row starts (the header is line 1)
	Fields []string
	m      *mapping
	Bad    *RowError // set when the row itself cannot be read
}

// Get returns the trimmed value of a column ("" when the file lacks it).
func (r Row) Get(key string) string {
	i, ok := r.m.index[key]
	if !ok || i >= len(r.Fields) {
		return ""
	}
	return strings.TrimSpace(r.Fields[i])
}

// Reader streams the rows of an uploaded file.
type Reader struct {
	csv      *csv.Reader
	m        mapping
	Encoding string
	Layout   string
	Header   []string
	Extra    []string // header cells that no column claims (ignored)
}

// MaxColumns bounds the header row: the widest layout has 25 columns, so a
// file far wider than that is not one of ours.
const MaxColumns = 200

// NewReader detects the encoding, reads the header row and picks the layout.
func NewReader(r io.Reader, k Kind) (*Reader, error) {
	text, enc, err := csvtext.Decode(r)
	if err != nil {
		return nil, &FileError{Msg: err.Error()}
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &FileError{Msg: "檔案是空的"}
	}
	if err != nil {
		return nil, &FileError{Msg: "無法讀取標題列：" + err.Error()}
	}
	if len(header) > MaxColumns {
		return nil, &FileError{Msg: fmt.Sprintf("標題列有 %d 欄，超過上限 %d 欄；請只保留格式說明中的欄位後再上傳。", len(header), MaxColumns)}
	}
	header = append([]string(nil), header...)
	m, missing := match(k.Layouts, header)
	if len(missing) > 0 {
		return nil, &FileError{Msg: fmt.Sprintf("標題列缺少欄位：%s。請下載「%s」的 CSV 格式，保留第一列欄位說明後再上傳。",
			strings.Join(missing, "、"), k.Name)}
	}
	return &Reader{csv: cr, m: m, Encoding: enc, Layout: m.layout.Name, Header: header, Extra: m.extra}, nil
}

// Next returns the next row, or io.EOF. A row that cannot be parsed comes
// back with Bad set; only a failure to read the file is an error.
func (r *Reader) Next() (Row, error) {
	rec, err := r.csv.Read()
	var pe *csv.ParseError
	switch {
	case errors.As(err, &pe):
		return Row{Line: pe.StartLine, m: &r.m, Bad: rowErr("此列的引號不成對或格式錯誤（%v）", pe.Err)}, nil
	case err != nil:
		return Row{}, err
	}
	line, _ := r.csv.FieldPos(0)
	fields := make([]string, len(rec))
	copy(fields, rec)
	row := Row{Line: line, Fields: fields, m: &r.m}
	for i, f := range fields {
		if undecodable(f) {
			row.Bad = rowErr("第 %d 欄含有無法辨識的字元（檔案編碼可能有誤，請以 Big5 或 UTF-8 存檔）", i+1)
			break
		}
		// The JSON routes' rule (limits.BadRune), cell by cell: a quoted
		// cell may hold line breaks, as a multiline field may. A cell that
		// starts like a formula is text here as in JSON: every file the
		// system writes neutralises it (csvtext.Neutralise), the one rule.
		if r, ok := limits.BadText(f, true); !ok {
			row.Bad = rowErr("第 %d 欄含有不允許的控制字元或不可見字元（%U），請刪除後再上傳", i+1, r)
			break
		}
	}
	return row, nil
}

// undecodable reports a replacement character (what the Big5 decoder puts for
// bytes it cannot read) or invalid UTF-8, in one pass.
func undecodable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			for _, r := range s[i:] {
				if r == utf8.RuneError {
					return true
				}
			}
			return false
		}
	}
	return false
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 20 {
		return string([]rune(s)[:20]) + "…"
	}
	return s
}
