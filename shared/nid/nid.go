// Package nid validates, generates and masks Taiwanese national IDs (身分證字號)
// and resident certificate numbers (統一證號, new and old forms).
package nid

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"regexp"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// letterValue is the two-digit value of each leading letter.
var letterValue = map[byte]int{
	'A': 10, 'B': 11, 'C': 12, 'D': 13, 'E': 14, 'F': 15, 'G': 16, 'H': 17, 'I': 34, 'J': 18,
	'K': 19, 'L': 20, 'M': 21, 'N': 22, 'O': 35, 'P': 23, 'Q': 24, 'R': 25, 'S': 26, 'T': 27,
	'U': 28, 'V': 29, 'W': 32, 'X': 30, 'Y': 31, 'Z': 33,
}

// anyIDRe finds ID-shaped substrings in free text, for masking logs.
var anyIDRe = regexp.MustCompile(`[A-Za-z][12789A-Da-d]\d{8}`)

// shape reports whether s is a capital letter, a second character allowed by
// second, and eight digits (the hot path of every upload row: no regexp).
func shape(s string, second func(byte) bool) bool {
	if len(s) != 10 || s[0] < 'A' || s[0] > 'Z' || !second(s[1]) {
		return false
	}
	for i := 2; i < 10; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func nationalSecond(c byte) bool { return c == '1' || c == '2' || c == '8' || c == '9' }
func oldSecond(c byte) bool      { return c >= 'A' && c <= 'D' }

// Valid reports whether s is a well-formed ID with a correct check digit.
func Valid(s string) bool { return Check(s) == nil }

// Check explains why s is not a valid ID, in zh-TW, or returns nil.
func Check(s string) error {
	switch {
	case shape(s, nationalSecond): // 1, 2: citizens; 8, 9: residents (new form)
		if sum(letterValue[s[0]], s[1]-'0', s[2:])%10 != 0 {
			return fmt.Errorf("身分證字號檢查碼錯誤")
		}
		return nil
	case shape(s, oldSecond):
		// Old resident form: the second letter counts by the last digit of its value.
		if sum(letterValue[s[0]], byte(letterValue[s[1]]%10), s[2:])%10 != 0 {
			return fmt.Errorf("統一證號檢查碼錯誤")
		}
		return nil
	case s == "":
		return fmt.Errorf("身分證字號未填")
	default:
		return fmt.Errorf("身分證字號格式錯誤：須為 1 個英文字母加 9 碼數字（如 A123456789）")
	}
}

// sum weighs the letter's two digits 1,9, the second character 8, the next
// seven digits 7..1 and the check digit 1.
func sum(letter int, second byte, rest string) int {
	total := letter/10 + (letter%10)*9 + int(second)*8
	for i := 0; i < 7; i++ {
		total += int(rest[i]-'0') * (7 - i)
	}
	return total + int(rest[7]-'0')
}

// Generate returns a valid national ID for gender 1 (male) or 2 (female).
func Generate(r *rand.Rand, gender int) string {
	letters := "ABCDEFGHJKLMNPQRSTUVXYWZIO"
	l := letters[r.IntN(len(letters))]
	var b strings.Builder
	b.WriteByte(l)
	b.WriteByte(byte('0' + gender))
	digits := make([]byte, 7)
	for i := range digits {
		digits[i] = byte('0' + r.IntN(10))
	}
	b.Write(digits)
	partial := sum(letterValue[l], byte(gender), string(digits)+"0")
	b.WriteByte(byte('0' + (10-partial%10)%10))
	return b.String()
}

// Mask hides the middle of an ID: A123456789 → A12****789.
func Mask(s string) string {
	if len(s) != 10 {
		return s
	}
	return s[:3] + "****" + s[7:]
}

// MaskText masks every ID-shaped substring of free text (log lines, errors).
func MaskText(s string) string {
	return anyIDRe.ReplaceAllStringFunc(s, Mask)
}

// Query reads an optional national ID from the query parameter name
// (trimmed, upper-cased); a malformed one is a field error of that parameter.
func Query(v url.Values, name string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(v.Get(name)))
	if n == "" {
		return "", nil
	}
	if Check(n) != nil {
		return "", errcode.Field(name, "身分證字號格式不正確。")
	}
	return n, nil
}
