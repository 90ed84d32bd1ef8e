// Package roc converts between Gregorian dates and the ROC (民國) calendar that
// officers read and type: 民國 year = Gregorian year − 1911.
package roc

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

const offset = 1911

// Format renders t as "113/03/01".
func Format(t time.Time) string {
	return fmt.Sprintf("%d/%02d/%02d", t.Year()-offset, int(t.Month()), t.Day())
}

// FormatISO renders an ISO date (2024-03-01) as "113/03/01"; other input is returned as is.
func FormatISO(iso string) string {
	t, err := time.Parse(time.DateOnly, iso)
	if err != nil {
		return iso
	}
	return Format(t)
}

// Parse accepts 113-03-01, 113/03/01, 1130301 (ROC) and 2024-03-01 (ISO) and
// returns the date at midnight UTC. Impossible dates (113/02/30) are refused.
func Parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-': // ISO
		return parseYMD(s[:4], s[5:7], s[8:], 0, s)
	case strings.ContainsAny(s, "-/"):
		sep := func(r rune) bool { return r == '-' || r == '/' }
		i := strings.IndexFunc(s, sep)
		j := i + 1 + strings.IndexFunc(s[i+1:], sep)
		if i <= 0 || j <= i+1 || j == len(s)-1 || strings.IndexFunc(s[j+1:], sep) >= 0 {
			return time.Time{}, fmt.Errorf("日期 %q 格式錯誤（例：113/03/01）", s)
		}
		return parseYMD(s[:i], s[i+1:j], s[j+1:], offset, s)
	case len(s) == 7 || len(s) == 6: // 1130301, or 990301 for years before 100
		n := len(s)
		return parseYMD(s[:n-4], s[n-4:n-2], s[n-2:], offset, s)
	default:
		return time.Time{}, fmt.Errorf("日期 %q 格式錯誤（例：113/03/01、1130301 或 2024-03-01）", s)
	}
}

func parseYMD(ys, ms, ds string, add int, orig string) (time.Time, error) {
	y, e1 := strconv.Atoi(ys)
	m, e2 := strconv.Atoi(ms)
	d, e3 := strconv.Atoi(ds)
	if e1 != nil || e2 != nil || e3 != nil || y <= 0 {
		return time.Time{}, fmt.Errorf("日期 %q 格式錯誤（例：113/03/01）", orig)
	}
	t := time.Date(y+add, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(m) || t.Day() != d {
		return time.Time{}, fmt.Errorf("日期 %q 不存在", orig)
	}
	return t, nil
}

// Taipei is Taiwan's time zone: days, schedules and deadlines are Taipei days.
var Taipei = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Taipei")
	if err != nil { // no zoneinfo (lambdafn embeds time/tzdata, so not in Lambda)
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()
