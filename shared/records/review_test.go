package records_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
)

func pending(person, course string) records.Reported {
	passed := true
	r := records.Record{PersonID: person, Agency: "A", Year: 2099, Source: records.SourceExternal, CourseName: course,
		Institution: "民間機構", Category: "511", Start: "2099-03-02", End: "2099-03-02", Hours: 3, Nature: "physical",
		PhysicalHours: 3, Passed: &passed, Status: records.PendingReview, Created: time.Now().UTC(), Title: "科員", Rank: "委任第五職等"}
	r.ID = records.ExternalRecordID(person+"-nid", r.Institution, course, r.Start, r.End, r.Category)
	return records.Reported{Record: r, Review: records.Review{ReportedBy: person}}
}

// A review batch is one transaction conditional on each record still
// waiting: when another officer decides one record of the batch between the
// read and the write, the batch answers ErrBatchStale and writes nothing, not
// even the other record's decision; the same decision made already is a
// retry and succeeds. A report never overwrites.
func TestDecideRefusesARecordDecidedMeanwhile(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	repo := records.Repo{Table: env.Tables.Records}
	one, two := pending("P1", "甲課程"), pending("P2", "乙課程")
	for _, r := range []records.Reported{one, two} {
		if _, created, err := repo.Report(ctx, r); err != nil || !created {
			t.Fatalf("report: %v %v", created, err)
		}
	}
	changed := one
	changed.Hours = 9
	if got, created, err := repo.Report(ctx, changed); err != nil || created || got.Hours != 3 {
		t.Fatalf("a second report of the same key: created %v, hours %d, %v", created, got.Hours, err)
	}
	other := records.Decision{Record: one.Record, Approve: false, Relevant: false, Reason: "另一位承辦人退回"}
	db := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "TransactWriteItems", N: 1, Do: func() {
		if err := repo.Decide(ctx, env.Tables.DB, "other", time.Now(), []records.Decision{other}); err != nil {
			t.Errorf("the other officer: %v", err)
		}
	}})
	racing := records.Repo{Table: db.Table(env.Tables.Records.Name())}
	batch := []records.Decision{{Record: one.Record, Approve: true, Relevant: true}, {Record: two.Record, Approve: true, Relevant: true}}
	if err := racing.Decide(ctx, db, "me", time.Now(), batch); !errors.Is(err, records.ErrBatchStale) {
		t.Fatalf("a batch over a record decided meanwhile: %v, want ErrBatchStale", err)
	}
	got, err := repo.GetWithReview(ctx, []records.RecordRef{one.Ref(), two.Ref()})
	if err != nil {
		t.Fatal(err)
	}
	if r := got[one.Ref()]; r.Status != records.Rejected || r.Reason != other.Reason || r.ReviewedBy != "other" {
		t.Fatalf("the other officer's decision: %+v", r)
	}
	if r := got[two.Ref()]; r.Status != records.PendingReview || r.ReviewedBy != "" {
		t.Fatalf("half a batch written: %+v", r)
	}
	// The other officer's batch again: already so, a retry.
	if err := repo.Decide(ctx, env.Tables.DB, "other", time.Now(), []records.Decision{other}); err != nil {
		t.Fatalf("retried batch: %v", err)
	}
	n, err := env.Tables.Records.Get("todopk", records.ReviewKey("A")).Index(records.TodoIndex).Count(ctx)
	if err != nil || n != 1 {
		t.Fatalf("waiting for review: %d %v, want 1", n, err)
	}
}

// A correction batch is conditional on the title and rank read: a record
// changed between the read and the write refuses the batch, and neither the
// other record nor any audit entry is written.
func TestCorrectRefusesARecordChangedMeanwhile(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	repo := records.Repo{Table: env.Tables.Records}
	one, two := pending("P1", "甲課程"), pending("P2", "乙課程")
	for _, r := range []records.Reported{one, two} {
		if _, _, err := repo.Report(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	audits := 0
	audit := func(c records.Correction) *dynamo.Put {
		audits++
		return env.Tables.Directory.Put(map[string]any{"pk": "AUDIT#A", "sk": c.Record.PersonID + c.Title})
	}
	db := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "TransactWriteItems", N: 1, Do: func() {
		if err := env.Tables.Records.Update("pk", "PERSON#P1").Range("sk", "REC#2099#"+one.ID).Set("title", "專員").Run(ctx); err != nil {
			t.Errorf("the other writer: %v", err)
		}
	}})
	racing := records.Repo{Table: db.Table(env.Tables.Records.Name())}
	batch := []records.Correction{{Record: one.Record, Title: "技正", Rank: "薦任第八職等"}, {Record: two.Record, Title: "技正", Rank: "薦任第八職等"}}
	if err := racing.Correct(ctx, db, batch, audit); !errors.Is(err, records.ErrBatchStale) {
		t.Fatalf("a batch over a record changed meanwhile: %v, want ErrBatchStale", err)
	}
	got, err := repo.GetWithReview(ctx, []records.RecordRef{one.Ref(), two.Ref()})
	if err != nil {
		t.Fatal(err)
	}
	if got[one.Ref()].Title != "專員" || got[two.Ref()].Title != "科員" || got[two.Ref()].Rank != "委任第五職等" {
		t.Fatalf("after a refused batch: %+v / %+v", got[one.Ref()].Record, got[two.Ref()].Record)
	}
	if n, err := env.Tables.Directory.Get("pk", "AUDIT#A").Count(ctx); err != nil || n != 0 {
		t.Fatalf("audit entries of a refused batch: %d %v", n, err)
	}
	if audits != 2 {
		t.Fatalf("audit puts built: %d", audits)
	}
	// Read afresh, the same batch goes through, with its audit entries.
	fresh := []records.Correction{{Record: got[one.Ref()].Record, Title: "技正", Rank: "薦任第八職等"}, {Record: got[two.Ref()].Record, Title: "技正", Rank: "薦任第八職等"}}
	if err := repo.Correct(ctx, env.Tables.DB, fresh, audit); err != nil {
		t.Fatalf("a batch over what is there: %v", err)
	}
	got, err = repo.GetWithReview(ctx, []records.RecordRef{one.Ref(), two.Ref()})
	if err != nil {
		t.Fatal(err)
	}
	if got[one.Ref()].Title != "技正" || got[two.Ref()].Rank != "薦任第八職等" {
		t.Fatalf("after the batch: %+v / %+v", got[one.Ref()].Record, got[two.Ref()].Record)
	}
	if n, err := env.Tables.Directory.Get("pk", "AUDIT#A").Count(ctx); err != nil || n != 2 {
		t.Fatalf("audit entries of the batch: %d %v, want 2", n, err)
	}
}
