package lease_test

import (
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/lease"
)

func TestStale(t *testing.T) {
	p := lease.Policy{EventAge: time.Hour, Lease: 15 * time.Minute, Attempts: 2}
	created := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	last := created.Add(time.Hour + 15*time.Minute) // the last moment a run could still start and finish
	for _, c := range []struct {
		name     string
		status   string
		started  time.Time
		attempts int
		now      time.Time
		want     bool
	}{
		{"queued, an invocation may still arrive", lease.Queued, time.Time{}, 0, last, false},
		{"queued past the last invocation", lease.Queued, time.Time{}, 0, last.Add(time.Second), true},
		{"running within its lease", lease.Running, created, 1, created.Add(15 * time.Minute), false},
		{"running past its lease, a retry left", lease.Running, created, 1, created.Add(16 * time.Minute), false},
		{"running past its lease, no retry left", lease.Running, created, 2, created.Add(16 * time.Minute), true},
		{"running past its lease and the last invocation", lease.Running, created.Add(time.Hour), 1, last.Add(time.Minute), true},
		{"done is never stale", "done", created, 2, last.Add(24 * time.Hour), false},
	} {
		if got := p.Stale(c.status, created, c.started, c.attempts, c.now); got != c.want {
			t.Errorf("%s: stale %v, want %v", c.name, got, c.want)
		}
	}
}
