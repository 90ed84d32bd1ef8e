// Package account holds the back-office users (officers signed in through the
// SSO), their grants per agency, their sessions, the statistics accounts (S1)
// with their own passwords, and the audit trail of every change (L8).
package account

import (
	"time"
)

// User is an officer allowed into the back office. ID is the SSO subject.
type User struct {
	ID       string              `dynamo:"id" json:"id"`
	Name     string              `dynamo:"name" json:"name"`
	Email    string              `dynamo:"email,omitempty" json:"email,omitempty"`
	Title    string              `dynamo:"title,omitempty" json:"title,omitempty"`
	Agency   string              `dynamo:"agency" json:"agency"`                     // home agency
	Serves   []string            `dynamo:"serves,omitempty" json:"serves,omitempty"` // 兼辦 agencies
	Grants   map[string][]string `dynamo:"grants" json:"grants"`                     // agency code → feature IDs
	Disabled bool                `dynamo:"disabled" json:"disabled"`
	Updated  time.Time           `dynamo:"updated" json:"updated"`
}

// AgencyCodes lists the agencies the user may act for, home first.
func (u User) AgencyCodes() []string {
	return append([]string{u.Agency}, u.Serves...)
}

// Session is the server side of a token: its active agency, and whether it was signed out.
type Session struct {
	ID      string `dynamo:"id"`
	Subject string `dynamo:"subject"`
	Active  string `dynamo:"active,omitempty"`
	Revoked bool   `dynamo:"revoked"`
	TTL     int64  `dynamo:"ttl"` // DynamoDB deletes the item after the token expires
}

// StatsAccount is a centrally issued statistics account (S1).
type StatsAccount struct {
	Username     string `dynamo:"username" json:"username"`
	Name         string `dynamo:"name" json:"name"`
	Agency       string `dynamo:"agency" json:"agency"`
	PasswordHash []byte `dynamo:"pwhash" json:"-"`
	// Failed counts the password checks taken in the current window (see
	// Repo.takeAttempt): wrong ones, and ones still being compared.
	Failed int `dynamo:"failed" json:"failed"`
	// LockedUntil and WindowEnds are stored as Unix seconds, so conditions
	// compare them as numbers.
	LockedUntil time.Time `dynamo:"lockedUntil,unixtime,omitempty" json:"lockedUntil,omitempty"`
	WindowEnds  time.Time `dynamo:"windowEnds,unixtime,omitempty" json:"-"`
	MustChange  bool      `dynamo:"mustChange" json:"mustChange"`
	Changed     time.Time `dynamo:"changed" json:"changed"`
	// Reports are the reports the account may see (feature IDs); empty:
	// DefaultStatsReports.
	Reports []string `dynamo:"reports,omitempty" json:"reports,omitempty"`
}

// DefaultStatsReports are what a statistics account sees unless granted
// otherwise: the statistics of 人事單位 and 統計報表.
var DefaultStatsReports = []string{"P8", "P9", "P10", "P11", "P13", "R1", "R2", "R3", "R4"}

// AuditEntry records one change: who, when, what before and after.
type AuditEntry struct {
	At     time.Time `dynamo:"at" json:"at"`
	Actor  string    `dynamo:"actor" json:"actor"`
	Action string    `dynamo:"action" json:"action"`
	Target string    `dynamo:"target" json:"target"`
	Agency string    `dynamo:"agency" json:"agency"`
	Before string    `dynamo:"before,omitempty" json:"before,omitempty"` // JSON
	After  string    `dynamo:"after,omitempty" json:"after,omitempty"`   // JSON
}

// Lockout policy for statistics accounts: at most MaxFailures password checks
// in a window of LockFor from the first one; the check that fills the window
// with a wrong password locks the account for LockFor. A success gives back
// its own check only, so guesses in flight beside it never ride on it.
//
// SignInsPerSource limits sign-ins of one source address a minute, whatever
// names they try (see docs/identity.md): it slows one address locking or
// guessing many accounts; offices behind one address sign in far fewer times.
const (
	MaxFailures      = 5
	LockFor          = 15 * time.Minute
	SignInsPerSource = 30
)
