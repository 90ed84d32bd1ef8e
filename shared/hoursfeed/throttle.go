package hoursfeed

import (
	"context"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/ratelimit"
)

// Throttle numbers, per client: at most Limit requests (token requests and
// batch calls together, failed secrets included) in each fixed Window. One
// batch carries up to 1,000 records, so 60 a minute is 60,000 records a
// minute per platform, well above any platform's nightly push, while one
// misbehaving client cannot crowd out the others (the HTTP API's own stage
// throttle, 100 requests/s, is shared by everyone).
//
// SourceLimit is the token requests of one source address a Window, whatever
// client ids they name: a platform asks for a token every 15 minutes, so 20
// leaves room for several platforms behind one address while one address
// cannot guess secrets of many clients (each id's refused requests have their
// own window too).
const (
	Limit       = 60
	Window      = time.Minute
	SourceLimit = 20
)

// Throttle counts requests per client in fixed windows of the Directory
// table (ratelimit.Counter under PLATFORMRATE#).
type Throttle struct {
	Table  dynamo.Table
	Limit  int
	Window time.Duration
	Now    func() time.Time
}

// Prefixes of the throttle's window items: per client id, and per source
// address of token requests (one address cannot try many client ids).
const (
	clientPrefix = "PLATFORMRATE#"
	sourcePrefix = "PLATFORMSRC#"
)

// NewThrottle is a Throttle of limit requests a Window (Limit in a
// deployment); limit 0 is no throttle at all (no write per request).
func NewThrottle(t dynamo.Table, now func() time.Time, limit int) Limiter {
	return ratelimit.New(t, clientPrefix, limit, Window, now)
}

// NewSourceThrottle limits token requests per source address to
// SourceLimit a Window; limit 0 (no client throttle) is none either.
func NewSourceThrottle(t dynamo.Table, now func() time.Time, limit int) Limiter {
	return ratelimit.New(t, sourcePrefix, min(limit, 1)*SourceLimit, Window, now)
}

// Take counts one request of client; when the window is full it answers how
// long until the next window opens (at least a second), and no error.
func (t Throttle) Take(ctx context.Context, client string) (time.Duration, error) {
	return ratelimit.Counter{Table: t.Table, Prefix: clientPrefix, Limit: t.Limit, Window: t.Window, Now: t.Now}.Take(ctx, client)
}
