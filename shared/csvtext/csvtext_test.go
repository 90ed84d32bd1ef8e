package csvtext

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/traditionalchinese"
)

func TestDecode(t *testing.T) {
	big5, _ := traditionalchinese.Big5.NewEncoder().Bytes([]byte("機關代碼,名稱\n"))
	tests := []struct {
		name string
		in   []byte
		enc  string
		ok   bool
	}{
		{"utf8", []byte("機關代碼,名稱\n"), UTF8, true},
		{"bom", append([]byte{0xEF, 0xBB, 0xBF}, "機關代碼,名稱\n"...), UTF8BOM, true},
		{"big5", big5, Big5, true},
		{"utf16", []byte{0xFF, 0xFE, 'a', 0}, "", false},
		{"binary", []byte("PK\x03\x04\x00\x00"), "", false},
		{"empty", nil, "", false},
		{"long utf8 cut mid-rune", []byte(strings.Repeat("機", peekSize)), UTF8, true},
	}
	for _, tt := range tests {
		r, enc, err := Decode(bytes.NewReader(tt.in))
		if (err == nil) != tt.ok || enc != tt.enc {
			t.Errorf("%s: enc %q err %v", tt.name, enc, err)
			continue
		}
		if tt.ok && tt.name != "long utf8 cut mid-rune" {
			got, _ := io.ReadAll(r)
			if string(got) != "機關代碼,名稱\n" {
				t.Errorf("%s: decoded %q", tt.name, got)
			}
		}
	}
}
