package store

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"
)

// Filtered paging reads at most scanLimit items per call, a batch per request:
// a filter that matches few items answers a short page with a next key rather
// than walking a whole partition in one API request.
const (
	scanLimit = 2000
	scanBatch = 500
)

// FilteredPage pages a filtered query by a unique sort key: query(after)
// builds the query of the items after that sort key ("" from the start);
// skAttr names the sort key attribute and sk reads it from an item. It answers
// at most limit items and the sort key to continue from ("" at the end).
func FilteredPage[T any](ctx context.Context, query func(after string) *dynamo.Query, skAttr string, sk func(T) string, after string, limit int) ([]T, string, error) {
	var out []T
	for scanned := 0; scanned < scanLimit; scanned += scanBatch {
		var items []T
		lek, err := query(after).SearchLimit(scanBatch).AllWithLastEvaluatedKey(ctx, &items)
		if err != nil {
			return nil, "", err
		}
		for _, it := range items {
			out = append(out, it)
			if len(out) == limit {
				return out, sk(it), nil
			}
		}
		if lek == nil {
			return out, "", nil
		}
		v, ok := lek[skAttr].(*types.AttributeValueMemberS)
		if !ok {
			return nil, "", fmt.Errorf("paging key without %s", skAttr)
		}
		after = v.Value
	}
	return out, after, nil
}

// ShardedPage pages the union of the index partitions pks (one logical
// partition spread over several keys so that no key takes all the writes),
// merged by their unique sort key: query(pk, after) builds one partition's
// query. Each partition is read (FilteredPage) for a share of limit; the
// merge is complete up to the smallest key a partition stopped at, so the
// page ends there at the latest (a short page with a next key, never a
// skipped item). It answers at most limit items in sort-key order and the
// key to continue from ("" at the end).
func ShardedPage[T any](ctx context.Context, pks []string, query func(pk, after string) *dynamo.Query, skAttr string, sk func(T) string, after string, limit int) ([]T, string, error) {
	if len(pks) == 1 {
		return FilteredPage(ctx, func(a string) *dynamo.Query { return query(pks[0], a) }, skAttr, sk, after, limit)
	}
	// A share a little over an even split: with the items spread evenly the
	// page is full, and no partition is read far past what the page returns.
	share := min(limit, max(10, limit*5/(4*len(pks))+1))
	pages, nexts := make([][]T, len(pks)), make([]string, len(pks))
	g, gctx := errgroup.WithContext(ctx)
	for i, pk := range pks {
		g.Go(func() error {
			var err error
			pages[i], nexts[i], err = FilteredPage(gctx, func(a string) *dynamo.Query { return query(pk, a) }, skAttr, sk, after, share)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, "", err
	}
	bound := "" // "" = every partition read to its end
	for _, n := range nexts {
		if n != "" && (bound == "" || n < bound) {
			bound = n
		}
	}
	all := slices.Concat(pages...)
	slices.SortFunc(all, func(a, b T) int { return strings.Compare(sk(a), sk(b)) })
	var out []T
	for _, it := range all {
		k := sk(it)
		if bound != "" && k > bound {
			break
		}
		out = append(out, it)
		if len(out) == limit {
			return out, k, nil
		}
	}
	return out, bound, nil
}

// Shard is a stable shard number in [0, n) of key (FNV-1a): the index keys
// that spread one logical partition over n keys (front-stage classes, an
// agency's records) all place items with it.
func Shard(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}
