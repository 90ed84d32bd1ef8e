package export

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameRunes bounds a file name built from data (a course name can be long;
// Windows paths and ZIP tools are not).
const maxNameRunes = 100

// SafeName turns text that names a file (course names go into export file
// names) into one name with no path in it, for the ZIP entry and the
// download: no / or \ (nor ..) that an extractor could follow out of its
// folder, no control or bidi-override characters, none of Windows' reserved
// characters, no leading or trailing dots and spaces. Chinese and other
// printable text stays as it is. An empty result is 「匯出」.
func SafeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '/' || r == '\\' || strings.ContainsRune(`:*?"<>|`, r):
			b.WriteRune('_')
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r),
			unicode.In(r, unicode.Cf) && r != '\u200d': // format characters (bidi, zero-width) but ZWJ
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	for strings.Contains(out, "..") {
		out = strings.ReplaceAll(out, "..", ".")
	}
	if utf8.RuneCountInString(out) > maxNameRunes {
		out = string([]rune(out)[:maxNameRunes])
	}
	out = strings.Trim(out, ". _")
	if out == "" {
		return "匯出"
	}
	return out
}
