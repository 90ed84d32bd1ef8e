// Package ratelimit counts requests per key (a platform client, a source
// address) in fixed windows of the Directory table, and answers the callers
// it refuses with 429 and Retry-After.
package ratelimit

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Limiter is what a handler needs of a rate limit.
type Limiter interface {
	// Take counts one request of key; when the key's window is full it
	// answers how long until the next window opens (at least a second).
	Take(ctx context.Context, key string) (time.Duration, error)
}

// Counter counts requests per key in fixed windows: one conditional ADD per
// request (the count may not pass Limit), the window's item (Prefix+key,
// window start) expiring by TTL an hour after the window ends.
type Counter struct {
	Table  dynamo.Table
	Prefix string
	Limit  int
	Window time.Duration
	Now    func() time.Time
}

// New is a Counter of limit requests a window; limit 0 is no limit at all
// (no write per request).
func New(t dynamo.Table, prefix string, limit int, window time.Duration, now func() time.Time) Limiter {
	if limit == 0 {
		return unlimited{}
	}
	return Counter{Table: t, Prefix: prefix, Limit: limit, Window: window, Now: now}
}

type unlimited struct{}

func (unlimited) Take(context.Context, string) (time.Duration, error) { return 0, nil }

// Take implements Limiter.
func (c Counter) Take(ctx context.Context, key string) (time.Duration, error) {
	now := c.Now()
	start := now.Truncate(c.Window)
	err := c.Table.Update("pk", c.Prefix+key).Range("sk", start.UTC().Format(time.RFC3339)).
		Add("n", 1).Set("ttl", start.Add(c.Window+time.Hour).Unix()).
		If("attribute_not_exists(n) OR n < ?", c.Limit).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		wait := (start.Add(c.Window).Sub(now) + time.Second - 1).Truncate(time.Second) // whole seconds, up
		return max(wait, time.Second), nil
	}
	if err != nil {
		return 0, fmt.Errorf("rate limit %s: %w", c.Prefix, err)
	}
	return 0, nil
}

// Code is the error code of a refused (rate-limited) call.
const Code errcode.Code = "rate_limited"

// TooMany answers 429 with Retry-After in whole seconds; why says whose
// limit was reached, e.g. 「每個平臺每分鐘的次數有上限」.
func TooMany(w http.ResponseWriter, wait time.Duration, why string) {
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	httpapi.Encode(w, http.StatusTooManyRequests, errcode.Error{Code: Code,
		Message: "呼叫過於頻繁（" + why + "），請於 " + strconv.Itoa(secs) + " 秒後再試。"})
}

// Source is the caller's address as API Gateway saw it ("" outside API
// Gateway). It is the TCP peer of the gateway, not a header a client sets.
func Source(r *http.Request) string {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok {
		return ""
	}
	return rc.HTTP.SourceIP
}
