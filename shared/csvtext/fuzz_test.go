package csvtext

import (
	"bytes"
	"io"
	"testing"
	"unicode/utf8"
)

// FuzzDecode: any bytes are refused with a message or decoded (a BOM dropped,
// Big5 converted to valid UTF-8), never a panic. Seeds: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, s := range [][]byte{[]byte("\xef\xbb\xbf姓名,時數\r\n"), []byte("a,b\n"), []byte("\xa9\x6d\xa6\x57"), {0xff, 0xfe, 'a', 0},
		{0xfe, 0xff}, {0}, {}, []byte("\xe5\xa7"), bytes.Repeat([]byte("\xa7\x41"), 40000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, enc, err := Decode(bytes.NewReader(data))
		if err != nil {
			if err.Error() == "" {
				t.Fatal("a refusal without a message")
			}
			return
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("read decoded %s: %v", enc, err)
		}
		// Big5 is converted (undecodable bytes become U+FFFD) and UTF-8 without a
		// BOM is checked over its first 64 KB; bytes past that, or after a BOM,
		// are passed on and refused row by row by the upload reader (FuzzReader).
		if (enc == Big5 || (enc == UTF8 && len(data) < peekSize)) && !utf8.Valid(out) {
			t.Fatalf("%s text that is not UTF-8: %q", enc, out)
		}
		if enc == UTF8BOM && bytes.HasPrefix(out, []byte{0xEF, 0xBB, 0xBF}) && !bytes.HasPrefix(data, []byte("\xef\xbb\xbf\xef\xbb\xbf")) {
			t.Fatalf("the BOM was kept")
		}
	})
}
