package store

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"
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
