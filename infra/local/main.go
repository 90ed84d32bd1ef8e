// Command local runs the whole system on one machine (make run): DynamoDB
// Local, the embedded S3, every function of template.yaml behind one HTTP
// server with the authorizer in front, the schedules, the front end, and the
// demo data on first start.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"

	"github.com/ecpa-lifelong/backoffice/infra/ddblocal"
	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout)
	if errors.Is(err, context.Canceled) {
		fmt.Println("\nstopped before the stack was ready; the demo data loads again next time.")
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	addr := fs.String("addr", "localhost:8080", "address of the front end and the API")
	s3Addr := fs.String("s3-addr", "localhost:8079", "address of the embedded S3")
	data := fs.String("data", ".local", "folder keeping DynamoDB and S3 data between runs (git-ignored)")
	seed := fs.Uint64("seed", 1, "demo data seed")
	scale := fs.Int("scale", 1, "demo data scale (1: about 5,000 people)")
	fresh := fs.Bool("fresh", false, "delete the data folder first")
	ddbPort := fs.Int("dynamodb-port", 8000, "port of DynamoDB Local (0: any free port); env.json expects 8000")
	ddbEndpoint := fs.String("dynamodb-endpoint", "", "use this DynamoDB instead of starting DynamoDB Local (tests)")
	prefix := fs.String("table-prefix", "", "prefix of table names (tests sharing one DynamoDB)")
	memory := fs.Bool("memory", false, "keep S3 in memory instead of under the data folder (tests)")
	people := fs.Int("people", 0, "demo people (default 5,000 × scale)")
	classes := fs.Int("classes", 0, "demo classes (default 400 × scale)")
	readyFile := fs.String("ready-file", "", "write the front end's URL to this file once ready (tests)")
	clock := fs.String("clock", "", "run the system as if it were this Taipei time, e.g. \"2026-12-31 23:30\" (tests; the clock then runs on from there)")
	schedules := fs.Bool("schedules", true, "run the schedules on their cron expressions (off with -clock; tests fire them by hand)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var offset time.Duration
	if *clock != "" {
		at, err := time.ParseInLocation("2006-01-02 15:04", *clock, roc.Taipei)
		if err != nil {
			return fmt.Errorf("-clock %q: want a Taipei time such as \"2026-12-31 23:30\"", *clock)
		}
		offset, *schedules = time.Until(at), false
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *fresh {
		if err := os.RemoveAll(*data); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	started := time.Now()
	endpoint := *ddbEndpoint
	if endpoint == "" {
		db, err := ddblocal.Start(ctx, ddblocal.Options{DataDir: filepath.Join(*data, "dynamodb"), Port: *ddbPort})
		if err != nil {
			return err
		}
		defer db.Stop()
		endpoint = db.Endpoint
	}
	var backend gofakes3.Backend = s3mem.New()
	if !*memory {
		boltDB, err := bolt.Open(filepath.Join(*data, "s3.bolt"), 0o600, &bolt.Options{Timeout: 2 * time.Second})
		if err != nil {
			return fmt.Errorf("open embedded S3 store (is another make run using %s?): %w", *data, err)
		}
		defer boltDB.Close()
		backend = s3bolt.New(boltDB)
	}
	key, err := signingKey(filepath.Join(*data, "signing-key"))
	if err != nil {
		return err
	}
	st, err := stack.Start(ctx, stack.Config{
		Template: "template.yaml", WebDir: "web", Addr: *addr, S3Addr: *s3Addr,
		DynamoEndpoint: endpoint, S3Backend: backend, SigningKey: key, RunSchedules: *schedules, ClockOffset: offset, TablePrefix: *prefix,
	})
	if err != nil {
		return err
	}
	defer st.Close()
	o := demo.Options{Seed: *seed, Scale: *scale, People: *people, Classes: *classes, Now: st.Now()}
	if o.PlatformKey, err = base64.StdEncoding.DecodeString(key); err != nil {
		return err
	}
	if err := loadDemo(ctx, st, o, out); err != nil {
		return err
	}
	banner(out, st, time.Since(started), *schedules)
	if *readyFile != "" {
		if err := os.WriteFile(*readyFile, []byte(st.URL), 0o644); err != nil {
			return err
		}
	}
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping...")
	return nil
}

// signingKey keeps the statistics-token key between runs, so signed-in
// statistics accounts stay signed in across restarts.
func signingKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 48)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := base64.StdEncoding.EncodeToString(raw)
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}

func loadDemo(ctx context.Context, st *stack.Stack, o demo.Options, out io.Writer) error {
	env := settings.New(st.Getenv)
	cfg, err := settings.AWS(ctx, env)
	if err != nil {
		return err
	}
	t := store.Open(cfg, env, settings.TableDirectory, settings.TableCatalog, settings.TableRecords)
	tables := demo.Tables{Directory: t.Directory, Catalog: t.Catalog, Records: t.Records}
	if done, err := demo.Loaded(ctx, tables); err != nil || done {
		return err
	}
	fmt.Fprintf(out, "loading demo data (seed %d, scale %d, first start only)...\n", o.Seed, o.Scale)
	c, err := demo.Load(ctx, tables, demo.Generate(o), o, 8)
	if err != nil {
		return err
	}
	if err := st.PassStreams(ctx); err != nil { // the loader wrote the demo's summaries itself
		return err
	}
	fmt.Fprintf(out, "  %d agencies, %d people, %d classes, %d enrollments, %d learning records\n",
		c.Agencies, c.People, c.Classes, c.Enrollments, c.Records)
	return nil
}

func banner(out io.Writer, st *stack.Stack, took time.Duration, schedules bool) {
	run := "run on their cron expressions"
	if !schedules {
		run = "do not run by themselves (-schedules=false or -clock)"
	}
	fmt.Fprintf(out, `
終身學習入口網站 管理後台 — local stack ready in %.1fs

  Front end   %s/
  API         %s/api   (health: %s/api/health, OpenAPI: %s/api/openapi.json)
  S3          %s

Demo sign-ins (pick one on the sign-in page; the local SSO stands in for ECPA):
  sys.admin    行政院人事行政總處  系統管理者 (announcements, manual)
  moi.admin    內政部              機關最高管理者 (all functions, 會員管理)
  moi.course   內政部              開課單位承辦人
  moi.hr       內政部              人事人員, 兼辦 內政部警政署 (切換兼辦單位)
  tpe.admin    臺北市政府          機關最高管理者
  tpe.hr       臺北市政府          人事人員
  moea.hr      經濟部              人事人員 (事業機構 台灣電力, 台灣中油: P11)
  moi.retired  內政部              停用 (disabled: sign-in is refused)
Statistics accounts (S1): stats.moi / stats.tpe / stats.moea, password %s
Demo platform (自動時數上傳, E等公務園+ for 內政部): client %s, secret %s (local only)

Clock: %s in Taipei (every date of the system is a Taipei date).
Schedules (Asia/Taipei) %s; fire one now with
  curl -X POST %s/local/schedules/Nightly
  curl -X POST %s/local/schedules/Morning -d '{"date":"2026-11-26"}'
List them: curl %s/local/schedules

Ctrl-C stops everything (DynamoDB Local included). Data is kept in .local/ (make clean-data wipes it).
`, took.Seconds(), st.URL, st.URL, st.URL, st.URL, st.S3URL, demo.StatsPassword, demo.PlatformID, demo.PlatformSecret,
		st.Now().In(roc.Taipei).Format("2006-01-02 15:04"), run, st.URL, st.URL, st.URL)
}
