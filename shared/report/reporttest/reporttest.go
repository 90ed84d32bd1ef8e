// Package reporttest reads report answers (GET /api/reports/{id}) in the
// integration tests of the packages that define reports, through the local
// stack as an officer or a statistics account would.
package reporttest

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
)

// Row is one row as the API sends it: column key → raw JSON cell.
type Row = map[string]json.RawMessage

// Answer is the body of GET /api/reports/{id}.
type Answer struct {
	Rows       []Row      `json:"rows"`
	Total      Row        `json:"total"`
	Next       string     `json:"next"`
	ComputedAt *time.Time `json:"computedAt"`
}

// Value is a cell's value (a drillable cell's, or the scalar) and its drill URL.
func Value(raw json.RawMessage) (json.RawMessage, string) {
	var c struct {
		Value json.RawMessage `json:"value"`
		Drill string          `json:"drill"`
	}
	if json.Unmarshal(raw, &c) == nil && c.Value != nil {
		return c.Value, c.Drill
	}
	return raw, ""
}

// Num is a count or hours cell.
func Num(t testing.TB, raw json.RawMessage) int {
	t.Helper()
	v, _ := Value(raw)
	n, err := strconv.Atoi(string(v))
	if err != nil {
		t.Fatalf("not a count: %s", raw)
	}
	return n
}

// Str is a text cell.
func Str(raw json.RawMessage) string {
	v, _ := Value(raw)
	var s string
	_ = json.Unmarshal(v, &s)
	return s
}

// Get reads one page as user; anything but 200 fails the test.
func Get(t testing.TB, env *stacktest.Env, user, path string) Answer {
	t.Helper()
	res := env.As(t, user, "GET", path, nil)
	if res.Status != 200 {
		t.Fatalf("GET %s: %d %s", path, res.Status, res.Body)
	}
	var a Answer
	res.JSON(t, &a)
	return a
}

// All reads every page of a report as user.
func All(t testing.TB, env *stacktest.Env, user, path string) []Row {
	t.Helper()
	var rows []Row
	next := ""
	for pages := 0; pages < 1000; pages++ {
		p := path
		if next != "" {
			p += "&next=" + url.QueryEscape(next)
		}
		a := Get(t, env, user, p)
		rows = append(rows, a.Rows...)
		if a.Next == "" {
			return rows
		}
		next = a.Next
	}
	t.Fatalf("%s: no end of pages", path)
	return nil
}

// Subtree is code and every agency below it, found by parent links (not by
// the materialised paths the code under test reads).
func Subtree(as []agency.Agency, code string) map[string]bool {
	in := map[string]bool{code: true}
	for changed := true; changed; {
		changed = false
		for _, a := range as {
			if in[a.Parent] && !in[a.Code] {
				in[a.Code], changed = true, true
			}
		}
	}
	return in
}

// TopCategory answers the top-level ancestor of a category code, walking the
// parent links of the repository's category table (not codes.Table.Top).
func TopCategory(t testing.TB) func(string) string {
	t.Helper()
	tbl, err := codes.Default(codes.Categories)
	if err != nil {
		t.Fatal(err)
	}
	parent := map[string]string{}
	for _, e := range tbl.Entries {
		parent[e.Code] = e.Parent
	}
	return func(c string) string {
		for parent[c] != "" {
			c = parent[c]
		}
		return c
	}
}
