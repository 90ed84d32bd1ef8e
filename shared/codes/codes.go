// Package codes holds the code tables officers pick from: course categories
// (up to five levels), lecturer expertise and cities. The tables are CSV data
// files (tables/*.csv, "code,name[,parent]"), loaded into the Directory table at
// seed and deploy time (`make deploy-codes`, and every `make run` start), so a
// new table replaces the old one without a code change. Functions read them
// from DynamoDB and keep them for a few minutes.
package codes

import (
	"context"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Table names.
const (
	Categories = "categories"
	Expertise  = "expertise"
	Cities     = "cities"
	Titles     = "titles" // 職稱 (P16)
	Ranks      = "ranks"  // 官職等 (P16)
)

// MaxLevel is how deep the category table may go.
const MaxLevel = 5

//go:embed tables/*.csv
var defaults embed.FS

// Defaults are the tables in this repository (shared/codes/tables).
func Defaults() fs.FS {
	sub, _ := fs.Sub(defaults, "tables")
	return sub
}

// Default parses one of the tables in this repository (loaders and tests).
func Default(name string) (*Table, error) {
	f, err := Defaults().Open(name + ".csv")
	if err != nil {
		return nil, fmt.Errorf("code table %s: %w", name, err)
	}
	defer f.Close()
	return Parse(name, f)
}

// Entry is one code.
type Entry struct {
	Code   string `dynamo:"code" json:"code"`
	Name   string `dynamo:"name" json:"name"`
	Parent string `dynamo:"parent,omitempty" json:"parent,omitempty"`
	Level  int    `dynamo:"level" json:"level"`
}

// Table is one code table.
type Table struct {
	Name    string    `dynamo:"sk" json:"name"`
	Entries []Entry   `dynamo:"entries" json:"entries"`
	Loaded  time.Time `dynamo:"loaded" json:"loaded"`
	byCode  map[string]int
}

// Lookup returns the entry of code.
func (t *Table) Lookup(code string) (Entry, bool) {
	if t.byCode == nil {
		t.byCode = make(map[string]int, len(t.Entries))
		for i, e := range t.Entries {
			t.byCode[e.Code] = i
		}
	}
	i, ok := t.byCode[code]
	if !ok {
		return Entry{}, false
	}
	return t.Entries[i], true
}

// Top is the top-level ancestor of code (code itself when unknown).
func (t *Table) Top(code string) string {
	for range MaxLevel {
		e, ok := t.Lookup(code)
		if !ok || e.Parent == "" {
			return code
		}
		code = e.Parent
	}
	return code
}

// Parse reads a code table: a header row, then code,name[,parent]. Parents
// must come before their children; levels follow from the parents.
func Parse(name string, r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("code table %s: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("code table %s: no codes", name)
	}
	t := &Table{Name: name}
	level := map[string]int{}
	for i, row := range rows[1:] {
		line := i + 2
		if len(row) < 2 || strings.TrimSpace(row[0]) == "" || strings.TrimSpace(row[1]) == "" {
			return nil, fmt.Errorf("code table %s line %d: needs code and name", name, line)
		}
		e := Entry{Code: strings.TrimSpace(row[0]), Name: strings.TrimSpace(row[1]), Level: 1}
		if len(row) > 2 {
			e.Parent = strings.TrimSpace(row[2])
		}
		if _, dup := level[e.Code]; dup {
			return nil, fmt.Errorf("code table %s line %d: code %s twice", name, line, e.Code)
		}
		if e.Parent != "" {
			pl, ok := level[e.Parent]
			if !ok {
				return nil, fmt.Errorf("code table %s line %d: parent %s not defined above", name, line, e.Parent)
			}
			e.Level = pl + 1
			if e.Level > MaxLevel {
				return nil, fmt.Errorf("code table %s line %d: deeper than %d levels", name, line, MaxLevel)
			}
		}
		level[e.Code] = e.Level
		t.Entries = append(t.Entries, e)
	}
	return t, nil
}

type item struct {
	PK string `dynamo:"pk"`
	Table
}

// Load parses every *.csv in fsys and stores each as the table of its file
// name. All files are parsed before any is written: a bad file changes nothing.
func Load(ctx context.Context, dir dynamo.Table, fsys fs.FS, now time.Time) ([]string, error) {
	names, err := fs.Glob(fsys, "*.csv")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("no code tables (*.csv) found")
	}
	var tables []*Table
	for _, n := range names {
		f, err := fsys.Open(n)
		if err != nil {
			return nil, err
		}
		t, err := Parse(strings.TrimSuffix(path.Base(n), ".csv"), f)
		f.Close()
		if err != nil {
			return nil, err
		}
		t.Loaded = now
		tables = append(tables, t)
	}
	var loaded []string
	for _, t := range tables {
		if err := dir.Put(item{PK: "CODES", Table: *t}).Run(ctx); err != nil {
			return loaded, fmt.Errorf("store code table %s: %w", t.Name, err)
		}
		loaded = append(loaded, t.Name)
	}
	return loaded, nil
}

// Repo reads code tables, keeping each for TTL.
type Repo struct {
	Table dynamo.Table
	TTL   time.Duration
	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	t  *Table
	at time.Time
}

// ErrUnknownTable is returned for a table that was never loaded.
var ErrUnknownTable = errors.New("no such code table")

// Get returns a code table.
func (r *Repo) Get(ctx context.Context, name string) (*Table, error) {
	r.mu.Lock()
	c, ok := r.cache[name]
	r.mu.Unlock()
	if ok && time.Since(c.at) < r.TTL {
		return c.t, nil
	}
	var it item
	err := r.Table.Get("pk", "CODES").Range("sk", dynamo.Equal, name).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return nil, errcode.Wrap(errcode.Unavailable, "代碼表「"+name+"」尚未載入，請聯絡系統管理者。",
			fmt.Errorf("code table %s: %w", name, ErrUnknownTable))
	}
	if err != nil {
		return nil, fmt.Errorf("code table %s: %w", name, err)
	}
	t := &it.Table
	t.Lookup("") // build the map before sharing
	r.mu.Lock()
	if r.cache == nil {
		r.cache = map[string]cached{}
	}
	r.cache[name] = cached{t, time.Now()}
	r.mu.Unlock()
	return t, nil
}
