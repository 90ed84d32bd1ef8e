package home

import (
	"context"
	"fmt"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// Learning records carry a sparse "todo" index entry while they wait for a
// personnel officer (P15) or while a correction notice is open (P1). The
// records package owns those keys; this one only counts them.

// TodoCounts are the numbers of H6, each linking to its function.
type TodoCounts struct {
	PendingReview int `json:"pendingReview"` // → P15
	Corrections   int `json:"corrections"`   // → P1
}

// Counter counts the to-do items of an agency in the records table.
type Counter struct{ Records dynamo.Table }

// Count runs both counting queries for agency code.
func (c Counter) Count(ctx context.Context, code string) (TodoCounts, error) {
	review, err := c.Records.Get("todopk", records.ReviewKey(code)).Index(records.TodoIndex).Count(ctx)
	if err != nil {
		return TodoCounts{}, fmt.Errorf("count records waiting for review: %w", err)
	}
	notices, err := c.Records.Get("todopk", records.NoticeKey(code)).Index(records.TodoIndex).Count(ctx)
	if err != nil {
		return TodoCounts{}, fmt.Errorf("count correction notices: %w", err)
	}
	return TodoCounts{PendingReview: review, Corrections: notices}, nil
}
