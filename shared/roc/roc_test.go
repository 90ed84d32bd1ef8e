package roc

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	want := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"113-03-01", "113/03/01", "1130301", "2024-03-01", " 113/3/1 "} {
		got, err := Parse(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"113/02/30", "113/13/01", "abc", "2024-02-30", "", "113/03"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted an impossible or malformed date", bad)
		}
	}
}

func TestFormat(t *testing.T) {
	if got := FormatISO("2018-01-05"); got != "107/01/05" {
		t.Fatalf("FormatISO = %q", got)
	}
	if got := Format(time.Date(1950, 12, 31, 0, 0, 0, 0, time.UTC)); got != "39/12/31" {
		t.Fatalf("Format = %q", got)
	}
}
