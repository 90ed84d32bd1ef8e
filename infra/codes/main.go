// Command codes loads the code tables (course categories, expertise, cities)
// into the Directory table: the deploy-time half of "code tables are data
// files" (`make deploy-codes`; make run loads them at every start).
//
//	TABLE_DIRECTORY=<table> go run ./infra/codes [-dir shared/codes/tables]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "codes:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("codes", flag.ContinueOnError)
	dir := fs.String("dir", "shared/codes/tables", "folder of <table>.csv files")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env := settings.New(getenv)
	env.Need(settings.TableDirectory)
	if err := env.Err(); err != nil {
		return err
	}
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return err
	}
	t := store.Open(cfg, env, settings.TableDirectory)
	loaded, err := codes.Load(ctx, t.Directory, os.DirFS(*dir), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded code tables %v into %s\n", loaded, t.Directory.Name())
	return nil
}
