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

// The years Parse accepts: 民國 1 to 289.
const (
	MinYear = 1912
	MaxYear = 2200
)

// Parse is the one reader of dates that officers type and files carry (forms,
// query parameters, uploads). Four-digit years are AD (2024-03-01, 2024/3/1,
// 20240301); shorter years are ROC (113/03/01, 113-3-1, 1130301, 990301,
// 1/01/01 as Format writes 民國 1–9). Full-width digits and separators read as half-width. Impossible
// dates (113/02/30) and years outside AD 1912–2200 are refused. The date is
// returned at midnight UTC.
func Parse(s string) (time.Time, error) {
	s = strings.Map(halfWidth, strings.TrimSpace(s))
	var ys, ms, ds string
	if strings.ContainsAny(s, "-/") {
		parts := strings.Split(strings.ReplaceAll(s, "/", "-"), "-")
		if len(parts) != 3 {
			return time.Time{}, formatErr(s)
		}
		ys, ms, ds = parts[0], parts[1], parts[2]
	} else if n := len(s); n >= 6 && n <= 8 { // 990301, 1130301, 20240301
		ys, ms, ds = s[:n-4], s[n-4:n-2], s[n-2:]
	} else {
		return time.Time{}, formatErr(s)
	}
	if !digits(ys, 1, 4) || !digits(ms, 1, 2) || !digits(ds, 1, 2) {
		return time.Time{}, formatErr(s)
	}
	y, _ := strconv.Atoi(ys)
	m, _ := strconv.Atoi(ms)
	d, _ := strconv.Atoi(ds)
	if len(ys) < 4 {
		y += offset
	}
	if y < MinYear || y > MaxYear {
		return time.Time{}, fmt.Errorf("日期 %q 超出可接受的範圍（民國 1 年至 %d 年；西元年請寫四位數）", clip(s), MaxYear-offset)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Month() != time.Month(m) || t.Day() != d {
		return time.Time{}, fmt.Errorf("日期 %q 不存在", clip(s))
	}
	return t, nil
}

func formatErr(s string) error {
	return fmt.Errorf("日期 %q 格式錯誤（例：113/03/01、1130301 或 2024-03-01）", clip(s))
}

// digits reports whether s is lo to hi ASCII digits (strconv.Atoi alone
// would also take "+3" and "-1").
func digits(s string, lo, hi int) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// halfWidth reads full-width digits and date separators as half-width.
func halfWidth(r rune) rune {
	switch {
	case r >= '０' && r <= '９':
		return '0' + r - '０'
	case r == '／':
		return '/'
	case r == '－':
		return '-'
	}
	return r
}

// clip keeps an echoed input short in messages.
func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}

// Taipei is Taiwan's time zone: days, schedules and deadlines are Taipei days.
var Taipei = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Taipei")
	if err != nil { // no zoneinfo (lambdafn embeds time/tzdata, so not in Lambda)
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()
