package roc

import (
	"testing"
	"time"
)

// FuzzParse: Parse never panics, and whatever it accepts is a real day at
// midnight UTC within AD 1912–2200 that reads back the same from its ROC form
// and its ISO form. Seeds: testdata/fuzz/FuzzParse (go test runs them).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"113/03/01", "2024-03-01", "1130301", "990301", "20240301", "2026/12/20", "8089/01/01",
		"10000-01-01", "１１３／０３／０１", "113/+3/01", "0/1/1", "289/12/31", "290/01/01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		if d.Year() < MinYear || d.Year() > MaxYear {
			t.Fatalf("Parse(%q) = %v: outside AD %d–%d", s, d, MinYear, MaxYear)
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("Parse(%q) = %v: not midnight UTC", s, d)
		}
		for _, back := range []string{Format(d), d.Format(time.DateOnly)} {
			if again, err := Parse(back); err != nil || !again.Equal(d) {
				t.Fatalf("Parse(%q) = %v, but Parse(%q) = %v, %v", s, d, back, again, err)
			}
		}
	})
}
