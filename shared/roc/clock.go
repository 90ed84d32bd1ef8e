package roc

import "time"

// Calendar days are Taipei days. Every "today", "yesterday" and "this year"
// of the system (product, demo data, local stack, tests, benchmarks) comes
// from these functions applied to an instant from the caller's clock; nothing
// takes a calendar day from an instant in the machine's own zone.
//
// A day is represented as midnight UTC of that date, the form Parse returns and
// time.DateOnly formats, so days compare and format without zone surprises.

// Day is the Taipei calendar day of the instant t.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Taipei).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Today is Day(now) as an ISO date (2026-11-30).
func Today(now time.Time) string { return Day(now).Format(time.DateOnly) }

// Yesterday is the ISO date of the Taipei day before now's.
func Yesterday(now time.Time) string { return Day(now).AddDate(0, 0, -1).Format(time.DateOnly) }

// Year is the Taipei calendar year of now (the default of every "this year").
func Year(now time.Time) int { return Day(now).Year() }

// Midnight is the instant a Taipei calendar day begins (day as Day returns it).
func Midnight(day time.Time) time.Time {
	y, m, d := day.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Taipei)
}
