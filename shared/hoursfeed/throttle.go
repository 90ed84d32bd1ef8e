package hoursfeed

import (
	"context"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"
)

// Throttle numbers, per client: at most Limit requests (token requests and
// batch calls together, failed secrets included) in each fixed Window. One
// batch carries up to 1,000 records, so 60 a minute is 60,000 records a
// minute per platform, well above any platform's nightly push, while one
// misbehaving client cannot crowd out the others (the HTTP API's own stage
// throttle, 100 requests/s, is shared by everyone).
const (
	Limit  = 60
	Window = time.Minute
)

// Throttle counts requests per client in fixed windows of the Directory
// table: one conditional ADD per request (the count may not pass Limit), the
// window's item expiring by TTL an hour after it ends.
type Throttle struct {
	Table  dynamo.Table
	Limit  int
	Window time.Duration
	Now    func() time.Time
}

// NewThrottle is a Throttle of limit requests a Window (Limit in a
// deployment); limit 0 is no throttle at all (no write per request).
func NewThrottle(t dynamo.Table, now func() time.Time, limit int) Limiter {
	if limit == 0 {
		return unlimited{}
	}
	return Throttle{Table: t, Limit: limit, Window: Window, Now: now}
}

type unlimited struct{}

func (unlimited) Take(context.Context, string) (time.Duration, error) { return 0, nil }

// Take counts one request of client; when the window is full it answers how
// long until the next window opens (at least a second), and no error.
func (t Throttle) Take(ctx context.Context, client string) (time.Duration, error) {
	now := t.Now()
	start := now.Truncate(t.Window)
	err := t.Table.Update("pk", "PLATFORMRATE#"+client).Range("sk", start.UTC().Format(time.RFC3339)).
		Add("n", 1).Set("ttl", start.Add(t.Window+time.Hour).Unix()).
		If("attribute_not_exists(n) OR n < ?", t.Limit).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		wait := (start.Add(t.Window).Sub(now) + time.Second - 1).Truncate(time.Second) // whole seconds, up
		return max(wait, time.Second), nil
	}
	if err != nil {
		return 0, fmt.Errorf("throttle platform client: %w", err)
	}
	return 0, nil
}
