package account

import (
	"sync/atomic"
	"testing"
)

// CountCompares counts the password comparisons (bcrypt) until the test ends.
func CountCompares(t testing.TB) *atomic.Int64 {
	var n atomic.Int64
	prev := compareHash
	compareHash = func(hash, pw []byte) error { n.Add(1); return prev(hash, pw) }
	t.Cleanup(func() { compareHash = prev })
	return &n
}
