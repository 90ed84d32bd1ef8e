package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// TestFirstAdmin: a new stage gets its first administrator once; the same
// command again changes nothing; another subject is refused.
func TestFirstAdmin(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	ctx := context.Background()
	dgpa := agency.Agency{Code: "A09000000E", Name: "行政院人事行政總處", Level: 1}
	if err := (agency.Repo{Table: env.Tables.Directory}).PutAll(ctx, []agency.Agency{dgpa}); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if k == "USER" {
			return "operator"
		}
		return env.Getenv(k)
	}
	cmd := func(subject string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, []string{"-endpoint", stacktest.Endpoint(t), "-directory", env.Getenv(settings.TableDirectory),
			"-subject", subject, "-name", "蘇系統"}, getenv, &out)
		return out.String(), err
	}
	out, err := cmd("first.admin")
	if err != nil || !strings.Contains(out, "is the first") {
		t.Fatalf("first run: %q %v", out, err)
	}
	repo := account.Repo{DB: env.Tables.DB, Table: env.Tables.Directory}
	u, err := repo.GetUser(ctx, "first.admin")
	if err != nil || !contains(u.Grants[dgpa.Code], "SYS") {
		t.Fatalf("user %+v %v: want SYS at %s", u, err, dgpa.Code)
	}
	if out, err := cmd("first.admin"); err != nil || !strings.Contains(out, "nothing changed") {
		t.Errorf("second run: %q %v", out, err)
	}
	if _, err := cmd("someone.else"); !errcode.Is(err, errcode.Conflict) {
		t.Errorf("another subject: %v, want a conflict", err)
	}
	audit, err := repo.AuditOf(ctx, "first.admin")
	if err != nil || len(audit) != 1 || audit[0].Actor != "operator" || audit[0].Action != "first-admin" {
		t.Errorf("audit: %+v %v", audit, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
