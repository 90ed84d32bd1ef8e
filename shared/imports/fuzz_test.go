package imports

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReader: any uploaded bytes, for every kind of upload, either are a file
// error with a message or stream rows without a panic; the header and every
// field are valid UTF-8 (encoding detection in csvtext), rows come in file
// order, and a row taken as good holds no cell a spreadsheet would run as a
// formula. Seeds: testdata/fuzz/FuzzReader (go test runs them).
func FuzzReader(f *testing.F) {
	header := func(k Kind) string {
		var cols []string
		for _, c := range k.Layouts[0].Columns {
			cols = append(cols, c.Header)
		}
		return strings.Join(cols, ",")
	}
	f.Add([]byte("\ufeff"+header(Kinds[0])+"\r\nA,1\r\n"), uint8(0))
	f.Add([]byte(header(Kinds[4])+"\n\"unbalanced,1\n=cmd|' /C calc'!A0,2\n-3,+886\n"), uint8(4))
	f.Add([]byte{0xff, 0xfe, 'a', 0}, uint8(1))
	f.Add([]byte("\xa7\x41\xa6\x6e,\xb4\xfa\xb8\xd5\n"), uint8(2)) // Big5
	f.Add([]byte(header(Kinds[5])+"\n\x00\n"), uint8(5))
	f.Add([]byte(""), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, kind uint8) {
		k := Kinds[int(kind)%len(Kinds)]
		r, err := NewReader(bytes.NewReader(data), k)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) || fe.Msg == "" {
				t.Fatalf("NewReader: %v is not a file error with a message", err)
			}
			return
		}
		for _, h := range r.Header {
			if !utf8.ValidString(h) {
				t.Fatalf("header %q is not UTF-8 (encoding %s)", h, r.Encoding)
			}
		}
		last := 1
		for n := 0; n < 10000; n++ {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				return // the file could not be read further: the job fails with this error
			}
			if row.Line <= last && row.Bad == nil {
				t.Fatalf("row at line %d after line %d", row.Line, last)
			}
			last = max(last, row.Line)
			if row.Bad != nil {
				if row.Bad.Msg == "" {
					t.Fatal("a bad row without a message")
				}
				continue
			}
			for _, c := range row.Fields {
				if !utf8.ValidString(c) {
					t.Fatalf("field %q is not UTF-8 (encoding %s)", c, r.Encoding)
				}
				if c != "" && strings.ContainsRune("=@\t\r", rune(c[0])) {
					t.Fatalf("a good row holds %q, a spreadsheet formula", c)
				}
			}
		}
	})
}
