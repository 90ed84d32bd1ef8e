// Command firstadmin creates the first system administrator of a stage
// (`make first-admin STAGE=… SUBJECT=… NAME=…`), the one member nothing
// else can create: every later member is made in the back office (L8) by an
// administrator. It is audited (AUDIT#<agency>, action first-admin, actor
// the operator's $USER or -actor), refuses when the stage has an
// administrator, and a second run for the same subject changes nothing.
//
//	go run ./infra/firstadmin -directory <table> -subject <sso subject> -name <name> [-agency A09000000E] [-endpoint …]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "firstadmin:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("firstadmin", flag.ContinueOnError)
	endpoint := fs.String("endpoint", getenv(settings.DynamoDBEndpoint), "DynamoDB endpoint (DynamoDB Local); empty: AWS")
	directory := fs.String("directory", getenv(settings.TableDirectory), "the Directory table")
	subject := fs.String("subject", "", "the administrator's SSO subject (their back-office id)")
	name := fs.String("name", "", "the administrator's name")
	home := fs.String("agency", "A09000000E", "their home agency (default 行政院人事行政總處)")
	actor := fs.String("actor", getenv("USER"), "who runs this, for the audit trail")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *directory == "" || *subject == "" || *name == "" || *actor == "" {
		return fmt.Errorf("name -directory (or %s), -subject, -name and -actor (or USER)", settings.TableDirectory)
	}
	vars := map[string]string{settings.DynamoDBEndpoint: *endpoint, settings.TableDirectory: *directory}
	env := settings.New(func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		return getenv(k)
	})
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return err
	}
	t := store.Open(cfg, env, settings.TableDirectory)
	a, err := agency.Repo{Table: t.Directory}.Get(ctx, *home)
	if err != nil {
		return fmt.Errorf("agency %s (load the agency roster first): %w", *home, err)
	}
	made, err := account.Repo{DB: t.DB, Table: t.Directory}.FirstAdmin(ctx,
		account.User{ID: *subject, Name: *name, Agency: a.Code}, a.Path, *actor, time.Now())
	switch {
	case err != nil:
		return err
	case made:
		fmt.Fprintf(out, "%s is the first system administrator of %s (%s)\n", *subject, *directory, a.Name)
	default:
		fmt.Fprintf(out, "%s already is the first system administrator of %s: nothing changed\n", *subject, *directory)
	}
	return nil
}
