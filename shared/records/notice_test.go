package records_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/records"
)

func TestNoticeOnRewrite(t *testing.T) {
	yes, no, eighty, ninety := true, false, 80, 90
	base := records.Record{PersonID: "p1", ID: "B#1", Agency: "A", Year: 2026, CourseName: "英語", Category: "3111",
		Start: "2026-10-05", End: "2026-10-05", Hours: 6, Passed: &yes, Status: records.Final, Score: &eighty}
	delivered := base
	delivered.DownloadedBy = "job1"
	open := base
	open.Notice = true
	with := func(r records.Record, f func(*records.Record)) records.Record { f(&r); return r }
	for _, c := range []struct {
		name      string
		old, next records.Record
		want      bool
	}{
		{"never downloaded, changed", base, with(base, func(r *records.Record) { r.Hours = 8 }), false},
		{"downloaded, identical", delivered, base, false},
		{"downloaded, only the upload job differs", delivered, with(base, func(r *records.Record) { r.Job = "j2"; r.Title = "科員" }), false},
		{"downloaded, hours", delivered, with(base, func(r *records.Record) { r.Hours = 8 }), true},
		{"downloaded, failed now", delivered, with(base, func(r *records.Record) { r.Passed = &no }), true},
		{"downloaded, score", delivered, with(base, func(r *records.Record) { r.Score = &ninety }), true},
		{"downloaded, score removed", delivered, with(base, func(r *records.Record) { r.Score = nil }), true},
		{"downloaded, agency", delivered, with(base, func(r *records.Record) { r.Agency = "B" }), true},
		{"open notice, rewritten identically", open, base, true},
	} {
		if got := records.NoticeOnRewrite(c.old, c.next); got != c.want {
			t.Errorf("%s: notice %v, want %v", c.name, got, c.want)
		}
	}
}

// A record with a notice carries the todo keys of its agency's notices,
// unless it waits for review (then REVIEW# keeps them).
func TestNoticeTodoKeys(t *testing.T) {
	for _, c := range []struct {
		status string
		notice bool
		want   string
	}{
		{records.Final, false, ""},
		{records.Final, true, records.NoticeKey("A")},
		{records.PendingReview, true, records.ReviewKey("A")},
	} {
		it, err := dynamo.MarshalItem(records.Keyed(records.Record{PersonID: "p", ID: "x", Agency: "A", Year: 2026, End: "2026-01-02", Status: c.status, Notice: c.notice}))
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		if v, ok := it["todopk"].(*types.AttributeValueMemberS); ok {
			got = v.Value
		}
		if got != c.want {
			t.Errorf("%s notice=%v: todopk %q, want %q", c.status, c.notice, got, c.want)
		}
	}
}
