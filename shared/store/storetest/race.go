// Package storetest lets a test put a second writer exactly where a race
// would: between two calls that the code under test makes to DynamoDB. The
// outcome is then decided by the condition expression of the later write, not
// by a read before it or by luck, so removing the condition fails the test.
package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// Hook is where the other writer steps in.
type Hook struct {
	Op string // the DynamoDB operation, e.g. "DeleteItem", "TransactWriteItems"
	N  int    // before its Nth call (1 is the first)
	Do func() // the other writer; it must use another client (not the one returned)
}

// Racing returns a client of the DynamoDB that getenv names (a stacktest
// stack's Getenv) which runs hook.Do once, just before the Nth call of
// hook.Op. The test fails if that call never happens: a race that never
// happened proves nothing.
func Racing(t testing.TB, getenv func(string) string, hook Hook) *dynamo.DB {
	t.Helper()
	env := settings.New(getenv)
	cfg, err := settings.AWS(context.Background(), env)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		calls int
		fired bool
	)
	mw := middleware.InitializeMiddlewareFunc("storetest.race", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if awsmiddleware.GetOperationName(ctx) == hook.Op {
			mu.Lock()
			calls++
			now := calls == hook.N
			fired = fired || now
			mu.Unlock()
			if now {
				hook.Do()
			}
		}
		return next.HandleInitialize(ctx, in)
	})
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if !fired {
			t.Errorf("the race never happened: %s was called %d times, the hook waited for call %d", hook.Op, calls, hook.N)
		}
	})
	endpoint := env.Get(settings.DynamoDBEndpoint, "")
	return dynamo.New(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Initialize.Add(mw, middleware.Before)
		})
	})
}
