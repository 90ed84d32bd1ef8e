package nid

import (
	"strings"
	"testing"
)

// FuzzCheck: Check never panics; a valid ID is a capital letter, a second
// character of the right kind and eight digits, and changing its check digit
// makes it invalid; and no valid ID survives MaskText, whatever surrounds it
// (a log line must never carry one in clear). Seeds: testdata/fuzz/FuzzCheck.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"A123456789", "A123456788", "a123456789", "AC12345678", "A823456784", "", "A12345678",
		"A1234567890", "身分證A123456789號", "xA123456789y", "Ａ123456789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if Check(s) == nil {
			if len(s) != 10 || s[0] < 'A' || s[0] > 'Z' || !strings.ContainsRune("1289ABCD", rune(s[1])) {
				t.Fatalf("Check(%q) accepted a malformed ID", s)
			}
			last := s[9]
			for d := byte('0'); d <= '9'; d++ {
				if d != last && Valid(s[:9]+string(d)) {
					t.Fatalf("%q and %q both valid: the check digit checks nothing", s, s[:9]+string(d))
				}
			}
		}
		masked := MaskText(s)
		for i := 0; i+10 <= len(masked); i++ {
			if Valid(masked[i : i+10]) {
				t.Fatalf("MaskText(%q) = %q still holds the ID %q", s, masked, masked[i:i+10])
			}
		}
	})
}
