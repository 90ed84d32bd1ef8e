package summary_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// image is a record item as the stream carries it (the attributes the
// summaries read).
func image(r records.Record) map[string]events.DynamoDBAttributeValue {
	img := map[string]events.DynamoDBAttributeValue{
		"pk": events.NewStringAttribute("PERSON#" + r.PersonID), "sk": events.NewStringAttribute("REC#" + strconv.Itoa(r.Year) + "#" + r.ID),
		"personId": events.NewStringAttribute(r.PersonID), "id": events.NewStringAttribute(r.ID),
		"agency": events.NewStringAttribute(r.Agency), "year": events.NewNumberAttribute(strconv.Itoa(r.Year)),
		"category": events.NewStringAttribute(r.Category), "end": events.NewStringAttribute(r.End),
		"hours": events.NewNumberAttribute(strconv.Itoa(r.Hours)), "status": events.NewStringAttribute(r.Status),
		"nature": events.NewStringAttribute(r.Nature), "downloadedBy": events.NewStringAttribute(r.DownloadedBy),
	}
	if r.Passed != nil {
		img["passed"] = events.NewBooleanAttribute(*r.Passed)
	}
	return img
}

// change is one stream record: old nil for an INSERT, cur nil for a REMOVE.
func change(seq int, old, cur *records.Record) events.DynamoDBEventRecord {
	rec := events.DynamoDBEventRecord{EventName: "MODIFY", Change: events.DynamoDBStreamRecord{SequenceNumber: strconv.Itoa(seq)}}
	some := old
	if old == nil {
		rec.EventName, some = "INSERT", cur
	} else if cur == nil {
		rec.EventName = "REMOVE"
	}
	img := image(*some)
	rec.Change.Keys = map[string]events.DynamoDBAttributeValue{"pk": img["pk"], "sk": img["sk"]}
	if old != nil {
		rec.Change.OldImage = image(*old)
	}
	if cur != nil {
		rec.Change.NewImage = image(*cur)
	}
	return rec
}

func wver(t *testing.T, f fixture, person string, year int) int64 {
	t.Helper()
	var v struct {
		WVer int64 `dynamo:"wver"`
	}
	err := f.env.Tables.Records.Get("pk", "PERSON#"+person).Range("sk", dynamo.Equal, "SUM#"+strconv.Itoa(year)).One(context.Background(), &v)
	if err != nil {
		t.Fatal(err)
	}
	return v.WVer
}

func failedAt(t *testing.T, resp events.DynamoDBEventResponse) string {
	t.Helper()
	switch len(resp.BatchItemFailures) {
	case 0:
		return ""
	case 1:
		return resp.BatchItemFailures[0].ItemIdentifier
	}
	t.Fatalf("%d item failures, want the first only", len(resp.BatchItemFailures))
	return ""
}

// The stream function's batches: replayed, late, skipped, failing halfway
// and crashing halfway, each ends with the summaries a recomputation from the
// records gives (the stack's own poller runs beside, as in AWS).
func TestStreamBatches(t *testing.T) {
	f := start(t, alice)
	ctx := context.Background()
	stream := summary.Stream{Repo: f.sums}
	const y = 2034
	r1 := rec(alice.ID, y, "S#1", records.Final, &yes, "digital", 3, 3, 0, "121")
	r2 := rec(alice.ID, y, "S#2", records.Final, &yes, "physical", 5, 0, 5, "132")
	bob := rec("P-BOB", y, "S#3", records.Final, &yes, "physical", 2, 0, 2, "121")
	if err := f.recs.WriteRecords(ctx, []records.Record{r1, r2, bob}); err != nil {
		t.Fatal(err)
	}
	m := model{}
	m.put(r1, r2, bob)
	f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)

	// A replayed batch (the same changes, one of them twice, and a summary
	// item, which is not a record) leaves the summaries as they are.
	sum := change(4, nil, &r1)
	sum.Change.Keys["sk"] = events.NewStringAttribute("SUM#2034")
	batch := []events.DynamoDBEventRecord{change(1, nil, &r1), change(2, nil, &r2), change(3, nil, &r1), sum}
	for range 2 {
		resp, err := stream.Handle(ctx, events.DynamoDBEvent{Records: batch})
		if err != nil || failedAt(t, resp) != "" {
			t.Fatalf("replayed batch: %+v %v", resp, err)
		}
		check(t, f.sums, alice.ID, y, m.of(alice.ID, y), &alice)
	}

	// A late batch: r1 was regraded to 7 hours and summarised; the batch of
	// its first version, handled after, recomputes from the records as they
	// are now and cannot bring the 3 hours back.
	regraded := r1
	regraded.Hours, regraded.DigitalHours = 7, 7
	if err := f.recs.WriteRecords(ctx, []records.Record{regraded}); err != nil {
		t.Fatal(err)
	}
	m.put(regraded)
	newer := f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
	if _, err := stream.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{change(1, nil, &r1)}}); err != nil {
		t.Fatal(err)
	}
	if late := check(t, f.sums, alice.ID, y, m.of(alice.ID, y), &alice); late.TotalHours != newer.TotalHours {
		t.Fatalf("a late batch moved the summary from %d to %d hours", newer.TotalHours, late.TotalHours)
	}

	// A MODIFY that changes no counted value (P1's download mark) costs no
	// recompute; one that does (a grade) does.
	before := wver(t, f, alice.ID, y)
	marked := regraded
	marked.DownloadedBy = "moi.course"
	if _, err := stream.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{change(5, &regraded, &marked)}}); err != nil {
		t.Fatal(err)
	}
	if after := wver(t, f, alice.ID, y); after != before {
		t.Fatalf("a download mark recomputed the summary (wver %d → %d)", before, after)
	}
	failed := marked
	failed.Passed = &no
	if _, err := stream.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{change(6, &marked, &failed)}}); err != nil {
		t.Fatal(err)
	}
	if after := wver(t, f, alice.ID, y); after != before+1 {
		t.Fatalf("a grade change: wver %d → %d, want one recompute", before, after)
	}

	// A batch that fails halfway: a person-year whose summary cannot be
	// written (its version is planted as text, so ADD fails) is answered as
	// the failed item; the person-years before and after it are done.
	poison := rec("P-POISON", y, "S#9", records.Final, &yes, "digital", 1, 1, 0, "121")
	if err := f.env.Tables.Records.Put(map[string]any{"pk": "PERSON#P-POISON", "sk": "SUM#2034", "wver": "x"}).Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := f.env.Tables.Records.Delete("pk", "PERSON#P-BOB").Range("sk", "SUM#2034").Run(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Handle(ctx, events.DynamoDBEvent{Records: []events.DynamoDBEventRecord{
		change(10, nil, &r2), change(11, nil, &poison), change(12, nil, &bob), change(13, nil, &poison)}})
	if err != nil || failedAt(t, resp) != "11" {
		t.Fatalf("a batch failing at its second record: %+v %v, want item 11 failed", resp, err)
	}
	check(t, f.sums, "P-BOB", y, m.of("P-BOB", y), nil)

	// A crash mid-batch: the connection dies after the first recompute took
	// its version; the retried batch ends exact.
	if err := f.env.Tables.Records.Delete("pk", "PERSON#P-BOB").Range("sk", "SUM#2034").Run(ctx); err != nil {
		t.Fatal(err)
	}
	crashCtx, crash := context.WithCancel(ctx)
	db := storetest.Racing(t, f.env.Getenv, storetest.Hook{Op: "UpdateItem", N: 2, Do: crash})
	dying := stream
	dying.Repo.Records = db.Table(f.env.Tables.Records.Name())
	dying.Repo.Workers = 1
	crashed := []events.DynamoDBEventRecord{change(20, nil, &r2), change(21, nil, &bob)}
	resp, err = dying.Handle(crashCtx, events.DynamoDBEvent{Records: crashed})
	if err != nil || failedAt(t, resp) != "20" {
		t.Fatalf("a batch whose function crashed: %+v %v, want it retried from item 20", resp, err)
	}
	if resp, err = stream.Handle(ctx, events.DynamoDBEvent{Records: crashed}); err != nil || failedAt(t, resp) != "" {
		t.Fatalf("the retried batch: %+v %v", resp, err)
	}
	check(t, f.sums, "P-BOB", y, m.of("P-BOB", y), nil)
	f.check(t, alice.ID, y, m.of(alice.ID, y), &alice)
}
