package imports_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/blob"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
)

// pipeline builds an upload pipeline on the stack's tables and bucket as the
// apply function does, with its own DynamoDB client (db: nil for the stack's),
// record writer (nil for the real one) and slice.
func pipeline(t *testing.T, env *stacktest.Env, db *dynamo.DB, w imports.RecordWriter, slice time.Duration) *imports.Pipeline {
	t.Helper()
	e := settings.New(env.Getenv)
	cfg, err := settings.AWS(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	jobs := imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}
	if db != nil {
		jobs = imports.Jobs{DB: db, Table: db.Table(env.Tables.Directory.Name())}
	}
	if w == nil {
		w = records.Repo{Table: env.Tables.Records}
	}
	codeRepo := &codes.Repo{Table: env.Tables.Directory, TTL: time.Minute}
	deps := imports.Deps{People: staff.Repo{Table: env.Tables.Directory}, Classes: catalog.Repo{Table: env.Tables.Catalog},
		Records: w, Stored: imports.RecordTable{Table: env.Tables.Records}, Directory: env.Tables.Directory,
		Agencies: agency.Repo{Table: env.Tables.Directory}, Clients: hoursfeed.Clients{Table: env.Tables.Directory},
		Codes: codeRepo, Catalog: &catalog.Service{Repo: catalog.Repo{Table: env.Tables.Catalog, DB: env.Tables.DB}, Codes: codeRepo, Now: time.Now}}
	files := blob.Open(cfg, e, settings.BucketUploads)
	return &imports.Pipeline{Jobs: jobs, Files: files, Bucket: files.Uploads, Checkers: deps.Checkers(), Now: time.Now, Slice: slice}
}

// writeHook runs do before the first write of records.
type writeHook struct {
	imports.RecordWriter
	do   func()
	done bool
}

func (w *writeHook) WriteRecords(ctx context.Context, recs []records.Record) error {
	if !w.done {
		w.done = true
		w.do()
	}
	return w.RecordWriter.WriteRecords(ctx, recs)
}

// An import job belongs to one run at a time: the run whose lease ran out
// and was taken over must not touch the job again, whether it stages,
// checkpoints, hands over or finishes. A second run steps in at exactly the
// point each condition guards (`make mutate` removes and negates each
// condition and expects a failure here).
func TestImportJobBelongsToItsOwner(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 2})
	ctx := context.Background()
	jobs := imports.Jobs{DB: env.Tables.DB, Table: env.Tables.Directory}
	people := staffOf(t, env, demo.MOI, 6)
	get := func(id string) imports.Job {
		t.Helper()
		j, err := jobs.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	expire := func(id string) {
		t.Helper()
		if err := env.Tables.Directory.Update("pk", "IMPORT#"+id).Range("sk", "JOB").Set("lease", time.Now().Add(-time.Second)).Run(ctx); err != nil {
			t.Fatal(err)
		}
	}
	staged := func(name string, rows int) imports.Job {
		t.Helper()
		j := upload(t, env, "moi.course", imports.HoursExternal, name, []byte(manyRows(people, rows)))
		if j.Status != imports.Staged || j.Waiting != rows {
			t.Fatalf("staged: %+v", j)
		}
		return get(j.ID)
	}

	t.Run("create", func(t *testing.T) {
		j := imports.Job{ID: "cond-create", Kind: imports.HoursExternal, Agency: "A", FileName: "一.csv", Status: imports.Uploading, Created: time.Now()}
		if err := jobs.Create(ctx, j); err != nil {
			t.Fatal(err)
		}
		j.FileName = "二.csv"
		if err := jobs.Create(ctx, j); err == nil {
			t.Fatal("a second job with the same id was stored")
		}
		if got := get(j.ID); got.FileName != "一.csv" {
			t.Fatalf("the first job was overwritten: %+v", got)
		}
	})

	t.Run("stage", func(t *testing.T) {
		j := staged("重送.csv", 10)
		// As if the notification had just arrived: S1 claims it for staging,
		// stalls, its lease runs out and S2 stages it meanwhile.
		if err := env.Tables.Directory.Update("pk", "IMPORT#"+j.ID).Range("sk", "JOB").Set("status", imports.Uploading).
			Remove("owner").Remove("lease").Run(ctx); err != nil {
			t.Fatal(err)
		}
		s2 := pipeline(t, env, nil, nil, 0)
		racing := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "TransactWriteItems", N: 1, Do: func() {
			expire(j.ID)
			if got, err := s2.Stage(ctx, j.Key, j.ETag, j.Size, "S2"); err != nil || got.Status != imports.Staged {
				t.Errorf("S2 stages: %+v %v", got, err)
			}
		}})
		if _, err := pipeline(t, env, racing, nil, 0).Stage(ctx, j.Key, j.ETag, j.Size, "S1"); err == nil {
			t.Error("S1 staged a job it had lost")
		}
		if got := get(j.ID); got.Status != imports.Staged || got.Runs != j.Runs+2 || got.Waiting != 10 {
			t.Fatalf("after S1 lost the job: runs %d (want %d), %+v", got.Runs, j.Runs+2, got)
		}
	})

	t.Run("checkpoint", func(t *testing.T) {
		j := staged("檢查點.csv", 10)
		// A writes its records, stalls; its lease runs out and B applies the job.
		a := pipeline(t, env, nil, &writeHook{RecordWriter: records.Repo{Table: env.Tables.Records}, do: func() {
			expire(j.ID)
			if got, err := pipeline(t, env, nil, nil, 0).Apply(ctx, j.ID, "B"); err != nil || got.Status != imports.Done {
				t.Errorf("B applies: %+v %v", got, err)
			}
		}}, 0)
		if _, err := a.Apply(ctx, j.ID, "A"); err == nil {
			t.Error("A finished a job it had lost")
		}
		got := get(j.ID)
		if got.Status != imports.Done || got.Applied != 10 || got.Next != got.Chunks || got.Owner != "" || !got.Lease.IsZero() {
			t.Fatalf("after A lost the job: %+v", got)
		}
	})

	t.Run("finish", func(t *testing.T) {
		j := staged("完成.csv", 10)
		// A has written every chunk and is about to finish: a run started while
		// its lease holds gets nothing; once it has run out, B finishes first.
		racing := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "TransactWriteItems", N: 1, Do: func() {
			if got, err := pipeline(t, env, nil, nil, 0).Apply(ctx, j.ID, "C"); err != nil || got.Status != imports.Applying || got.Owner != "A" {
				t.Errorf("C under A's live lease: %+v %v", got, err)
			}
			expire(j.ID)
			if got, err := pipeline(t, env, nil, nil, 0).Apply(ctx, j.ID, "B"); err != nil || got.Status != imports.Done {
				t.Errorf("B applies: %+v %v", got, err)
			}
		}})
		if _, err := pipeline(t, env, racing, nil, 0).Apply(ctx, j.ID, "A"); err == nil {
			t.Error("A finished a job B had finished")
		}
		if got := get(j.ID); got.Status != imports.Done || got.Applied != 10 || got.Runs != j.Runs+2 {
			t.Fatalf("after A lost the job: runs %d (want %d: A's finish overwrote B's), %+v", got.Runs, j.Runs+2, got)
		}
	})

	t.Run("hand over", func(t *testing.T) {
		j := staged("交接.csv", 2500)
		// A's slice ends after chunk 0; before it hands the job over, C has
		// claimed it (A's lease had run out). A must not release C's claim.
		cLease := time.Now().Add(10 * time.Minute).UTC().Truncate(time.Millisecond)
		racing := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "UpdateItem", N: 3, Do: func() { // claim, checkpoint, release
			if err := env.Tables.Directory.Update("pk", "IMPORT#"+j.ID).Range("sk", "JOB").Set("owner", "C").Set("lease", cLease).Run(ctx); err != nil {
				t.Error(err)
			}
		}})
		if _, err := pipeline(t, env, racing, nil, time.Nanosecond).Apply(ctx, j.ID, "A"); err == nil {
			t.Error("A released a claim it had lost")
		}
		if got := get(j.ID); got.Owner != "C" || !got.Lease.Equal(cLease) || got.Next != 1 {
			t.Fatalf("after A's hand-over: owner %q lease %v next %d, want C's claim (%v) and next 1", got.Owner, got.Lease, got.Next, cLease)
		}
	})
}

// chunkOf tells which chunk of manyRows a record came from (its course is 課程<row>).
func chunkOf(r records.Record) int {
	var row int
	fmt.Sscanf(r.CourseName, "課程%05d", &row)
	return row / imports.ChunkRows
}
