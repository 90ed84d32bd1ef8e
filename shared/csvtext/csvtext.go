// Package csvtext is the text of the CSV files officers exchange with the
// system. Reading: it turns an uploaded file into UTF-8, detecting the
// encoding the way officers' files arrive (a UTF-8 BOM, valid UTF-8, else
// Big5/CP950 as Excel on Traditional-Chinese Windows saves CSV) and refusing
// UTF-16 and binary files with a reason an officer can act on. Writing and
// checking cells: the one formula-injection rule (Formula, Neutralise) and the
// CSV writer every download uses.
package csvtext

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"
)

// Encodings reported by Decode.
const (
	UTF8    = "UTF-8"
	UTF8BOM = "UTF-8 (BOM)"
	Big5    = "Big5"
)

// peekSize is how much of the file decides the encoding.
const peekSize = 64 << 10

// Decode returns a UTF-8 reader over r and the encoding it found.
func Decode(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, peekSize)
	head, err := br.Peek(peekSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", err
	}
	switch {
	case len(head) == 0:
		return nil, "", errors.New("檔案是空的")
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = br.Discard(3)
		return br, UTF8BOM, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, "", errors.New("檔案是 UTF-16（Unicode）編碼，請在 Excel 另存為「CSV (逗號分隔)」或「CSV UTF-8」後再上傳")
	case bytes.IndexByte(head, 0) >= 0:
		return nil, "", errors.New("這不是文字檔（可能是 Excel 活頁簿或其他二進位檔），請另存為 CSV 後再上傳")
	}
	if validPrefix(head, len(head) < peekSize) {
		return br, UTF8, nil
	}
	return transform.NewReader(br, traditionalchinese.Big5.NewDecoder()), Big5, nil
}

// validPrefix reports whether b is UTF-8, allowing a rune cut at the end of a
// partial read.
func validPrefix(b []byte, complete bool) bool {
	if complete {
		return utf8.Valid(b)
	}
	for i := 0; i < utf8.UTFMax && len(b) > 0; i++ {
		if utf8.Valid(b) {
			return true
		}
		b = b[:len(b)-1]
	}
	return false
}
