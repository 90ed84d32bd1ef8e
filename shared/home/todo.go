package home

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// Learning records carry a sparse "todo" index entry while they wait for a
// personnel officer (P15) or while a correction notice is open (P1). The
// records package owns those keys; this one only counts them.

// TodoCounts are the numbers of H6, each linking to its function.
type TodoCounts struct {
	PendingReview int `json:"pendingReview"` // → P15
	Corrections   int `json:"corrections"`   // all years
	// CorrectionsByYear are the notices per year of their courses' end (P1's
	// 課程結束年份), newest first, the years with notices only: P1 lists one
	// year at a time, so each links to P1 preset with its year (issue 18).
	CorrectionsByYear []YearCount `json:"correctionsByYear"`
}

// YearCount is a count of one year.
type YearCount struct {
	Year  int `json:"year"`
	Count int `json:"count"`
}

// Counter counts the to-do items of an agency in the records table.
type Counter struct{ Records dynamo.Table }

// Count runs both counting queries for agency code.
func (c Counter) Count(ctx context.Context, code string) (TodoCounts, error) {
	review, err := c.Records.Get("todopk", records.ReviewKey(code)).Index(records.TodoIndex).Count(ctx)
	if err != nil {
		return TodoCounts{}, fmt.Errorf("count records waiting for review: %w", err)
	}
	// The notices' index keys start with the record's end date (as P1 reads
	// them by year): only the keys are read, to count them per year.
	it := c.Records.Get("todopk", records.NoticeKey(code)).Index(records.TodoIndex).Project("todosk").Iter()
	byYear := map[int]int{}
	var key struct {
		TodoSK string `dynamo:"todosk"`
	}
	total := 0
	for it.Next(ctx, &key) {
		y, err := strconv.Atoi(key.TodoSK[:min(4, len(key.TodoSK))])
		if err != nil {
			return TodoCounts{}, fmt.Errorf("correction notice key %q: no year", key.TodoSK)
		}
		byYear[y]++
		total++
	}
	if err := it.Err(); err != nil {
		return TodoCounts{}, fmt.Errorf("count correction notices: %w", err)
	}
	years := make([]YearCount, 0, len(byYear))
	for y, n := range byYear {
		years = append(years, YearCount{Year: y, Count: n})
	}
	slices.SortFunc(years, func(a, b YearCount) int { return b.Year - a.Year })
	return TodoCounts{PendingReview: review, Corrections: total, CorrectionsByYear: years}, nil
}
