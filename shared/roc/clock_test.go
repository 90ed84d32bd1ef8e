package roc

import (
	"testing"
	"time"
)

func TestTaipeiDays(t *testing.T) {
	for _, c := range []struct {
		utc              string
		today, yesterday string
		year             int
	}{
		{"2026-11-29T15:30:00Z", "2026-11-29", "2026-11-28", 2026}, // 23:30 Taipei
		{"2026-11-29T16:30:00Z", "2026-11-30", "2026-11-29", 2026}, // 00:30 Taipei, still the 29th in UTC
		{"2026-12-31T15:59:59Z", "2026-12-31", "2026-12-30", 2026},
		{"2026-12-31T16:30:00Z", "2027-01-01", "2026-12-31", 2027}, // New Year in Taipei, not yet in UTC
		{"2028-02-29T16:00:00Z", "2028-03-01", "2028-02-29", 2028},
	} {
		now, err := time.Parse(time.RFC3339, c.utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := Today(now); got != c.today {
			t.Errorf("Today(%s) = %s, want %s", c.utc, got, c.today)
		}
		if got := Yesterday(now); got != c.yesterday {
			t.Errorf("Yesterday(%s) = %s, want %s", c.utc, got, c.yesterday)
		}
		if got := Year(now); got != c.year {
			t.Errorf("Year(%s) = %d, want %d", c.utc, got, c.year)
		}
		// The same instant seen from another zone is the same Taipei day.
		if got := Today(now.In(time.FixedZone("X", -10*3600))); got != c.today {
			t.Errorf("Today depends on the instant's zone: %s", got)
		}
		if m := Midnight(Day(now)); !m.After(now.Add(-24*time.Hour)) || m.After(now) {
			t.Errorf("Midnight(Day(%s)) = %s is not the start of its Taipei day", c.utc, m)
		}
	}
}
