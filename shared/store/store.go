// Package store opens the DynamoDB tables. The key design and access patterns
// of every table are written down in README.md beside this file.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// Generic key attribute names, shared by all tables (single-table style per domain).
const (
	PK     = "pk"
	SK     = "sk"
	GSI1   = "gsi1"
	GSI1PK = "gsi1pk"
	GSI1SK = "gsi1sk"
	GSI2   = "gsi2"
	GSI2PK = "gsi2pk"
	GSI2SK = "gsi2sk"
	TTL    = "ttl"
)

// Tables are the handles a function may use; unused ones stay zero.
type Tables struct {
	DB        *dynamo.DB
	Directory dynamo.Table // agencies, people, users, sessions, accounts, audit, announcements
	Catalog   dynamo.Table // courses (classes) and enrollments
	Records   dynamo.Table // learning records
}

// Open builds the client and names the tables the caller asked for with need.
func Open(cfg aws.Config, env *settings.Env, need ...string) Tables {
	endpoint := env.Get(settings.DynamoDBEndpoint, "")
	db := dynamo.New(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	t := Tables{DB: db}
	for _, name := range need {
		table := db.Table(env.Need(name))
		switch name {
		case settings.TableDirectory:
			t.Directory = table
		case settings.TableCatalog:
			t.Catalog = table
		case settings.TableRecords:
			t.Records = table
		}
	}
	return t
}

// WriteAll puts items with batch writes of 25, from workers goroutines at
// once (DynamoDB Local takes about 10,000 small items/s from 4-8 writers).
// Unprocessed items are retried by the library.
func WriteAll(ctx context.Context, table dynamo.Table, items []any, workers int) error {
	if workers < 1 {
		workers = 1
	}
	chunks := make(chan []any)
	g, ctx := errgroup.WithContext(ctx)
	for w := 0; w < workers; w++ {
		g.Go(func() error {
			for chunk := range chunks {
				if _, err := table.Batch("pk", "sk").Write().Put(chunk...).Run(ctx); err != nil {
					return fmt.Errorf("batch write to %s: %w", table.Name(), err)
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(chunks)
		for start := 0; start < len(items); start += 25 {
			select {
			case chunks <- items[start:min(start+25, len(items))]:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return g.Wait()
}

// Get reads the item at pk/sk with a consistent read (an edit form must show
// what the next conditional save compares with); missing is the officer's
// message, as a NotFound error, when there is none.
func Get[T any](ctx context.Context, table dynamo.Table, pk, sk, missing string) (T, error) {
	var it T
	if !KeyFits(pk, sk) { // no item has such a key; DynamoDB would answer a ValidationException
		return it, errcode.New(errcode.NotFound, missing)
	}
	err := table.Get(PK, pk).Range(SK, dynamo.Equal, sk).Consistent(true).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return it, errcode.New(errcode.NotFound, missing)
	}
	if err != nil {
		return it, fmt.Errorf("get %s/%s from %s: %w", pk, sk, table.Name(), err)
	}
	return it, nil
}

// DynamoDB's key limits: a partition key of at most 2,048 bytes, a sort key
// of at most 1,024.
const (
	MaxPK = 2048
	MaxSK = 1024
)

// KeyFits reports whether pk and sk are within DynamoDB's key limits and not
// empty: a key that does not fit names no item.
func KeyFits(pk, sk string) bool {
	return pk != "" && sk != "" && len(pk) <= MaxPK && len(sk) <= MaxSK
}

// GetMany fetches the items at keys with batch gets; missing items are simply
// absent from the result.
func GetMany[T any](ctx context.Context, table dynamo.Table, keys []dynamo.Keyed) ([]T, error) {
	var out []T
	if len(keys) == 0 {
		return out, nil
	}
	err := table.Batch(PK, SK).Get(keys...).All(ctx, &out)
	if err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return nil, fmt.Errorf("batch get from %s: %w", table.Name(), err)
	}
	return out, nil
}
