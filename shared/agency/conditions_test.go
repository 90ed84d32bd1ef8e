package agency_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/store/storetest"
)

// rosterSync builds a roster sync on the stack's tables and bucket, as the
// nightly function does, with its own table handle and move hook.
func rosterSync(t *testing.T, env *stacktest.Env, dir *agency.Repo, now time.Time, moved func(context.Context, string, string) error) *agency.Sync {
	t.Helper()
	files := uploads(t, env)
	repo := agency.Repo{Table: env.Tables.Directory}
	if dir != nil {
		repo = *dir
	}
	return &agency.Sync{Repo: repo, Files: files, Bucket: files.Uploads, Now: func() time.Time { return now }, Moved: moved}
}

// failOnce is a move hook that fails its first call, as a batch that dies
// after writing the new tree but before the moves.
func failOnce(rekey func(context.Context, string, string) error) func(context.Context, string, string) error {
	failed := false
	return func(ctx context.Context, from, to string) error {
		if !failed {
			failed = true
			return errors.New("simulated crash before the moves")
		}
		return rekey(ctx, from, to)
	}
}

// A batch that crashes after writing the new paths but before the moves is
// redone by the next one: the moved users appear under their new parent
// (L8). A late run that finishes after the next batch does not rewrite when
// the roster was applied.
func TestRosterMoveRedoneAfterACrash(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	accounts := account.Repo{DB: env.Tables.DB, Table: env.Tables.Directory}
	ctx := context.Background()
	uploadMove(t, env)
	crashing := rosterSync(t, env, nil, time.Now(), failOnce(accounts.Rekey))
	if n, err := crashing.ApplyStaged(ctx); err == nil || !strings.Contains(err.Error(), "simulated crash") || n != 0 {
		t.Fatalf("the crashing batch: %d %v", n, err)
	}
	// The next run is slow: the nightly batch applies the roster while it is
	// about to mark the job applied.
	long := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	racing := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "PutItem", N: 1, Do: func() {
		if n := nightly(t, env); n != 1 {
			t.Errorf("the nightly batch applied %d", n)
		}
	}})
	late := rosterSync(t, env, &agency.Repo{Table: racing.Table(env.Tables.Directory.Name())}, long, accounts.Rekey)
	if _, err := late.ApplyStaged(ctx); err != nil {
		t.Fatalf("the late run: %v", err)
	}
	movedUsersFollow(t, env)
	js := jobs(t, env)
	if len(js) != 1 || js[0].Status != agency.JobApplied || js[0].Applied.Before(long.AddDate(1, 0, 0)) {
		t.Fatalf("job: %+v (the late run rewrote when it was applied)", js)
	}
}

// Two runs: one reads the staged list, the other then writes the new tree
// and dies before the moves; the first must still move the users, from the
// plan the other recorded, not from the tree it now reads (already new).
func TestRosterMovePlanStandsAgainstALateReader(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 20, Classes: 2})
	accounts := account.Repo{DB: env.Tables.DB, Table: env.Tables.Directory}
	ctx := context.Background()
	uploadMove(t, env)
	crashing := rosterSync(t, env, nil, time.Now(), func(context.Context, string, string) error { return errors.New("simulated crash") })
	// Query 1 lists the staged rosters, query 2 reads the tree before the roster.
	racing := storetest.Racing(t, env.Getenv, storetest.Hook{Op: "Query", N: 2, Do: func() {
		if _, err := crashing.ApplyStaged(ctx); err == nil {
			t.Error("the crashing run did not crash")
		}
	}})
	reader := rosterSync(t, env, &agency.Repo{Table: racing.Table(env.Tables.Directory.Name())}, time.Now(), accounts.Rekey)
	if n, err := reader.ApplyStaged(ctx); err != nil || n != 1 {
		t.Fatalf("the reader: %d %v", n, err)
	}
	movedUsersFollow(t, env)
}
