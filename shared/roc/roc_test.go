package roc

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want string // ISO date; "" = refused
	}{
		{"113-03-01", "2024-03-01"},
		{"113/03/01", "2024-03-01"},
		{"1130301", "2024-03-01"},
		{"2024-03-01", "2024-03-01"},
		{" 113/3/1 ", "2024-03-01"},
		{"99/12/31", "2010-12-31"},
		{"990301", "2010-03-01"},
		{"01/01/01", "1912-01-01"},
		{"１１３／０３／０１", "2024-03-01"},
		// Four-digit years are AD, whatever the separator (they were read as ROC 2026 = AD 3937).
		{"2026/12/20", "2026-12-20"},
		{"2026-1-1", "2026-01-01"},
		{"20261220", "2026-12-20"},
		{"289/12/31", "2200-12-31"},
		{"2200/12/31", "2200-12-31"},
		{"1912/01/01", "1912-01-01"},
		// Outside AD 1912–2200.
		{"290/01/01", ""},
		{"2201-01-01", ""},
		{"1911-12-31", ""},
		{"0/01/01", ""},
		{"00/01/01", ""},
		{"8089/01/01", ""},
		{"10000-01-01", ""},
		{"99999/01/01", ""},
		// Malformed or impossible.
		{"113/02/30", ""},
		{"113/13/01", ""},
		{"113/00/01", ""},
		{"abc", ""},
		{"2024-02-30", ""},
		{"", ""},
		{"113/03", ""},
		{"113/+3/01", ""},
		{"113/-3/01", ""},
		{"113/03/01/02", ""},
		{"113//03", ""},
		{"1/03/01", "1912-03-01"}, // as Format writes 民國 1
		{"113/003/01", ""},
		{"113\x0003/01", ""},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Parse(%q) = %v, want refused", tt.in, got)
			}
			continue
		}
		if err != nil || got.Format(time.DateOnly) != tt.want {
			t.Errorf("Parse(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
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
