// Command codes loads the code tables (course categories, expertise, cities)
// and the yearly requirements with the category groups (shared/requirement)
// into the Directory table: the deploy-time half of "code tables are data
// files" (`make deploy-codes`; make run loads them at every start).
//
//	TABLE_DIRECTORY=<table> go run ./infra/codes [-dir shared/codes/tables] [-requirements shared/requirement/tables]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
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
	reqDir := fs.String("requirements", "shared/requirement/tables", "folder of requirements.csv and category-groups.csv")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env := settings.New(getenv)
	env.Need(settings.TableDirectory)
	if err := env.Err(); err != nil {
		return err
	}
	// Parse everything before writing anything: a bad file changes nothing.
	f, err := os.Open(filepath.Join(*dir, codes.Categories+".csv"))
	if err != nil {
		return err
	}
	cats, err := codes.Parse(codes.Categories, f)
	f.Close()
	if err != nil {
		return err
	}
	if _, err := requirement.Parse(os.DirFS(*reqDir), cats); err != nil {
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
	if err := requirement.Load(ctx, t.Directory, os.DirFS(*reqDir), cats, time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded code tables %v and the yearly requirements into %s\n", loaded, t.Directory.Name())
	return nil
}
