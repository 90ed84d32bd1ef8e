// Command migrate brings data written before issue 19's re-keys to the keys
// the code reads now, once per stage (`make migrate STAGE=…`) or for a
// developer's .local (DynamoDB Local of `make run`):
//
//	go run ./infra/migrate [-endpoint http://localhost:8000] [-catalog <table>] [-records <table>]
//
// It creates each class's SEATS item from the count still on the class item,
// moves the front-stage index key FRONT to FRONT#<n>, and moves the records'
// and the learning summaries' agency index keys to their sharded forms
// (Migration). Every write is conditional on the old shape it read, so it
// never overwrites a newer write, and a re-run changes nothing that is done:
// after a crash, run it again.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	endpoint := fs.String("endpoint", getenv(settings.DynamoDBEndpoint), "DynamoDB endpoint (DynamoDB Local: make run's is http://localhost:8000); empty: AWS")
	catalogTable := fs.String("catalog", getenv(settings.TableCatalog), "the Catalog table (make run's: CatalogTable)")
	recordsTable := fs.String("records", getenv(settings.TableRecords), "the Records table (make run's: RecordsTable)")
	segments := fs.Int("segments", 8, "parallel scan segments per table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *catalogTable == "" || *recordsTable == "" {
		return fmt.Errorf("name both tables: -catalog and -records (or %s and %s)", settings.TableCatalog, settings.TableRecords)
	}
	vars := map[string]string{settings.DynamoDBEndpoint: *endpoint,
		settings.TableCatalog: *catalogTable, settings.TableRecords: *recordsTable}
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
	t := store.Open(cfg, env, settings.TableCatalog, settings.TableRecords)
	m := Migration{DB: t.DB, Catalog: t.Catalog, Records: t.Records, Segments: *segments}
	res, err := m.Run(ctx)
	fmt.Fprintf(out, "%s, %s: %s\n", *catalogTable, *recordsTable, res)
	return err
}
