package stack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
)

// badText is the catalogue of hostile and careless text: every path and
// query parameter and every string in a body gets each of them.
var badText = []struct{ name, v string }{
	{"NUL", "a\x00b"},
	{"ESC", "\x1b[31mred"},
	{"BEL and DEL", "a\x07\x7fb"},
	{"CR LF", "a\r\nb"},
	{"bidi override", "abc\u202egpj.exe"},
	{"3 KB id", strings.Repeat("A", 3000)},
	{"2 KB cursor", strings.Repeat("QUJD", 512)},
	{"far date ROC-looking", "8089/01/01"},
	{"year 10000", "10000-01-01"},
	{"year 99999", "99999/12/31"},
	{"negative year", "-0001-01-01"},
	{"full-width", "ＡＢＣ１２３／％＊"},
	{"combining marks", "e" + strings.Repeat("\u0301", 60)},
	{"4-byte characters", strings.Repeat("𠀀", 100)},
	{"stray percent", "%zz%"},
	{"100 characters", "Aa1!" + strings.Repeat("x", 96)},
	{"negative number", "-1"},
	{"huge number", "99999999999999999999999"},
	{"8 KB", strings.Repeat("字", 8<<10/3)},
}

// jsonValue is a value put in place of one field of a valid body.
type jsonValue struct {
	name string
	v    any
}

// badJSON is what replaces each field of a valid body: wrong types and
// extreme numbers for every field; for a string field also a 900 KB string
// (under the 1 MB body limit: the field's own limit must refuse it) and a
// third of the text catalogue, rotating with the field's position so that
// every operation's fields together get all of it.
func badJSON(str bool, i int) []jsonValue {
	out := []jsonValue{{"number for anything", 12345}, {"boolean", true}, {"object", map[string]any{"a": 1}},
		{"array", []any{1, "x"}}, {"null", nil}, {"negative", -1}, {"huge", 1e308},
		{"over int64", json.Number("9223372036854775808")}, {"negative fraction", -0.5}, {"tiny", 1e-300}}
	if str {
		out = append(out, jsonValue{"900 KB string", strings.Repeat("x", 900<<10)})
	}
	for j, b := range badText {
		if j%3 == i%3 || (str && j < 6) { // control characters and the 3 KB id in every string field
			out = append(out, jsonValue{b.name, b.v})
		}
	}
	return out
}

type operation struct {
	method, path, feature string
	params                []struct{ name, in string }
	example               any
}

// The API fuzz test: every operation of /api/openapi.json, with a token that
// holds its feature, gets every bad value in each path parameter, each query
// parameter and each field of its example body (one at a time). No answer may
// be a 5xx; every 4xx is the API's JSON error with a code and a message; and a
// refused write stores nothing (the item counts of the tables do not move).
func TestAPIFuzz(t *testing.T) {
	// No platform throttle: its window items would count as writes of refused
	// requests, and its 429s would hide the platform routes' own answers.
	env := stacktest.Start(t, stacktest.Options{People: 40, Classes: 8, Env: map[string]string{settings.PlatformRate: "0"}})
	ctx := context.Background()
	ops := operations(t, env)
	valid := validParams(t, env)
	tokens := map[string]string{
		"officer":  env.Token(t, "moi.admin"),
		"SYS":      env.Token(t, "sys.admin"),
		"stats":    env.StatsLogin(t, "stats.moi", demo.StatsPassword),
		"learner":  env.Token(t, env.Data.People[0].ID),
		"platform": env.PlatformLogin(t, demo.PlatformID, demo.PlatformSecret),
	}
	tables := []dynamo.Table{env.Tables.Directory, env.Tables.Catalog, env.Tables.Records}
	// The live item counts of the tables (DescribeTable: DynamoDB Local counts
	// at once; a Scan of the catalogue's postings takes a hundred times longer).
	count := func() []int {
		out := make([]int, len(tables))
		var g sync.WaitGroup
		for i, tb := range tables {
			g.Add(1)
			go func() {
				defer g.Done()
				d, err := tb.Describe().Run(ctx)
				if err != nil {
					t.Errorf("count %s: %v", tb.Name(), err)
				}
				out[i] = int(d.Items)
			}()
		}
		g.Wait()
		return out
	}
	client := &http.Client{Timeout: time.Minute}
	var mu sync.Mutex
	statuses := map[int]int{}
	started := time.Now()
	// send makes one request and checks its answer; it reports whether the
	// request was refused (4xx).
	send := func(c fuzzCase) bool {
		token := tokens["officer"]
		switch {
		case strings.HasPrefix(c.op.path, "/api/front/enrollments"), c.op.path == "/api/front/records":
			token = tokens["learner"]
		case strings.HasPrefix(c.op.path, "/api/platform/"):
			token = tokens["platform"]
		case c.op.path == "/api/auth/stats/password":
			token = tokens["stats"]
		case c.op.feature == "SYS":
			token = tokens["SYS"]
		}
		var rd io.Reader
		if c.body != nil {
			rd = bytes.NewReader(c.body)
		}
		req, err := http.NewRequest(c.op.method, env.URL+c.path, rd)
		if err != nil {
			t.Errorf("%s: %v", c, err)
			return false
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if c.body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s: %v", c, err)
			return false
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		mu.Lock()
		statuses[resp.StatusCode]++
		mu.Unlock()
		if resp.StatusCode >= 500 {
			t.Errorf("%s: %d %.300s", c, resp.StatusCode, raw)
			return false
		}
		if resp.StatusCode < 400 {
			return false
		}
		var e struct{ Code, Message string }
		if err := json.Unmarshal(raw, &e); err != nil || e.Code == "" || e.Message == "" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d is not the API's JSON error: %.300s", c, resp.StatusCode, raw)
		}
		return true
	}

	var reads, writes [][]fuzzCase
	for _, op := range ops {
		for _, g := range cases(op, valid) {
			if op.method == "GET" {
				reads = append(reads, g)
			} else {
				writes = append(writes, g)
			}
		}
	}
	// Reads in parallel with everything: they store nothing to count.
	var wg sync.WaitGroup
	work := make(chan []fuzzCase)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for g := range work {
				for _, c := range g {
					send(c)
				}
			}
		}()
	}
	go func() {
		for _, g := range reads {
			work <- g
		}
		close(work)
	}()
	// Writes one group (one field or parameter) at a time, the tables counted
	// around the group; a group in which some request was accepted is sent
	// again one request at a time, each refused one counted around.
	recounted := 0
	for _, g := range writes {
		before := count()
		accepted := false
		for _, c := range g {
			if !send(c) {
				accepted = true
			}
		}
		if !accepted {
			if after := count(); !slices.Equal(before, after) {
				t.Errorf("%s … (%d requests, all refused): the tables went from %v to %v items", g[0], len(g), before, after)
			}
			continue
		}
		recounted++
		for _, c := range g {
			before := count()
			if send(c) {
				if after := count(); !slices.Equal(before, after) {
					t.Errorf("%s: refused, but the tables went from %v to %v items", c, before, after)
				}
			}
		}
	}
	wg.Wait()
	n := 0
	for _, v := range statuses {
		n += v
	}
	t.Logf("%d operations, %d requests in %s; statuses %v; %d of %d write groups had an accepted request and were re-sent one by one",
		len(ops), n, time.Since(started).Round(time.Second), statuses, recounted, len(writes))
}

// fuzzCase is one request of the fuzz test.
type fuzzCase struct {
	op         operation
	what, path string
	body       []byte
}

func (c fuzzCase) String() string {
	return fmt.Sprintf("%s %s with %s", c.op.method, c.op.path, c.what)
}

// cases are an operation's requests, in groups: one group per parameter or
// body field, one request per bad value.
func cases(op operation, valid map[string]string) [][]fuzzCase {
	body := exampleBody(op)
	path := fill(op.path, valid, op.path, "", "")
	// Every operation, even one without parameters: an unknown query parameter holding a NUL.
	out := [][]fuzzCase{{{op, "a NUL in an extra query parameter", path + "?x=%00", body}}}
	text := badText
	if op.feature == "S1" || op.feature == "H4" { // each request checks a bcrypt hash (~0.3 s): a sample
		text = nil
		for i, b := range badText {
			if i%3 == 0 {
				text = append(text, b)
			}
		}
	}
	for _, prm := range op.params {
		var g []fuzzCase
		for _, b := range text {
			what := fmt.Sprintf("%s %s = %s", prm.in, prm.name, b.name)
			switch prm.in {
			case "path":
				g = append(g, fuzzCase{op, what, fill(op.path, valid, op.path, prm.name, b.v), body})
			case "query":
				g = append(g, fuzzCase{op, what, path + "?" + url.Values{prm.name: {b.v}}.Encode(), body})
			}
		}
		out = append(out, g)
	}
	if op.example == nil {
		return out
	}
	var whole []fuzzCase
	for _, w := range []struct{ name, v string }{{"an empty body", ""}, {"a JSON array", "[]"}, {"null", "null"},
		{"broken JSON", `{"a":`}, {"two objects", "{} {}"}, {"a 2 MB body", `{"x":"` + strings.Repeat("x", 2<<20) + `"}`}} {
		whole = append(whole, fuzzCase{op, w.name, path, []byte(w.v)})
	}
	out = append(out, whole)
	for i, leaf := range leaves(op.example, "") {
		_, str := lookup(op.example, leaf).(string)
		values := badJSON(str, i)
		if op.feature == "S1" || op.feature == "H4" { // bcrypt: a sample
			values = slices.DeleteFunc(append(badJSON(str, 0), badJSON(str, 1)[10:]...), func(v jsonValue) bool {
				return !slices.Contains([]string{"NUL", "3 KB id", "100 characters", "900 KB string", "null", "number for anything"}, v.name)
			})
		}
		var g []fuzzCase
		for _, b := range values {
			raw, err := json.Marshal(replace(op.example, leaf, b.v))
			if err != nil {
				panic(err)
			}
			g = append(g, fuzzCase{op, fmt.Sprintf("body %s = %s", leaf, b.name), path, raw})
		}
		out = append(out, g)
	}
	return out
}

// operations reads every operation of the served OpenAPI document.
func operations(t *testing.T, env *stacktest.Env) []operation {
	r := env.Do(t, "GET", "/api/openapi.json", "", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Tags       []string
			Parameters []struct{ Name, In string }
			Body       *struct {
				Content map[string]struct{ Example any }
			} `json:"requestBody"`
		}
	}
	r.JSON(t, &doc)
	written, _ := time.Parse(time.DateOnly, examplesWritten)
	today, _ := time.Parse(time.DateOnly, roc.Today(time.Now()))
	shift := max(0, int(today.Sub(written).Hours()/24))
	var out []operation
	for path, ops := range doc.Paths {
		for method, o := range ops {
			op := operation{method: strings.ToUpper(method), path: path}
			if len(o.Tags) > 1 {
				op.feature = o.Tags[1]
			}
			for _, p := range o.Parameters {
				op.params = append(op.params, struct{ name, in string }{p.Name, p.In})
			}
			if o.Body != nil {
				op.example = shiftDates(o.Body.Content["application/json"].Example, shift)
				if op.example == nil {
					t.Errorf("%s %s: the request body has no example", op.method, path)
				}
			}
			out = append(out, op)
		}
	}
	if len(out) < 70 {
		t.Fatalf("only %d operations in openapi.json", len(out))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path+out[i].method < out[j].path+out[j].method })
	// Sign-out last: it ends the session of the token every request uses.
	for i, op := range out {
		if op.path == "/api/auth/signout" {
			out = append(append(out[:i:i], out[i+1:]...), op)
			break
		}
	}
	return out
}

// validParams gives each path parameter a value naming something that exists
// and the caller may see, keyed by the path's first segments and the name.
func validParams(t *testing.T, env *stacktest.Env) map[string]string {
	v := map[string]string{"username": "stats.moi", "table": "cities", "kind": "courses", "id": "nothing"}
	for _, c := range env.Data.Classes {
		if c.Agency == demo.MOI {
			v["code"], v["session"] = c.CourseCode, c.Session
			break
		}
	}
	for _, l := range env.Data.Lecturers {
		if l.Agency == demo.MOI && v["/api/lecturers/{id}"] == "" {
			v["/api/lecturers/{id}"] = l.ID
		}
		if l.Public && v["/api/lecturer-db/{id}"] == "" {
			v["/api/lecturer-db/{id}"] = l.ID
		}
	}
	for _, m := range env.Data.Materials {
		if m.Agency == demo.MOI {
			v["/api/materials/{id}"] = m.ID
			break
		}
	}
	if len(env.Data.Announcements) > 0 {
		v["/api/announcements/{id}"] = env.Data.Announcements[0].ID
	}
	v["/api/members/{id}"] = "moi.course"
	if v["code"] == "" || v["/api/lecturers/{id}"] == "" || v["/api/materials/{id}"] == "" {
		t.Fatalf("the demo data lacks a MOI class, lecturer or material: %v", v)
	}
	return v
}

// fill puts values into a path's parameters: bad into the one named bad, the
// valid value into the others.
func fill(path string, valid map[string]string, route, bad, badValue string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		name := strings.Trim(s, "{}")
		val := valid[name]
		for prefix, pv := range valid { // a value for this route's id: "/api/materials/{id}"
			if strings.HasPrefix(prefix, "/") && strings.HasPrefix(route, strings.TrimSuffix(prefix, "{"+name+"}")) && strings.HasSuffix(prefix, "{"+name+"}") {
				val = pv
			}
		}
		if name == bad {
			val = badValue
		}
		segs[i] = url.PathEscape(val)
	}
	return strings.Join(segs, "/")
}

// exampleBody is the operation's example with its dates moved into next
// week, so a course or an announcement is valid whatever the day.
func exampleBody(op operation) []byte {
	if op.example == nil {
		return nil
	}
	raw, _ := json.Marshal(op.example)
	return raw
}

// examplesWritten is the day the examples' dates were written for; later,
// they move forward by the days since, so a course stays this year or later.
const examplesWritten = "2026-11-30"

func shiftDates(v any, days int) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = shiftDates(e, days)
		}
	case []any:
		for i, e := range v {
			v[i] = shiftDates(e, days)
		}
	case string:
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			return t.AddDate(0, 0, days).Format(time.DateOnly)
		}
	}
	return v
}

// leaves lists the paths of every value in v ("grants.301000000A[0]").
func leaves(v any, path string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, p)
			out = append(out, leaves(v[k], p)...)
		}
	case []any:
		for i, e := range v {
			p := fmt.Sprintf("%s[%d]", path, i)
			out = append(out, p)
			out = append(out, leaves(e, p)...)
		}
	}
	return out
}

// lookup returns the value at path in v.
func lookup(v any, path string) any {
	for _, part := range splitPath(path) {
		switch c := v.(type) {
		case map[string]any:
			v = c[part]
		case []any:
			var n int
			fmt.Sscanf(part, "[%d]", &n)
			v = c[n]
		}
	}
	return v
}

// replace returns a deep copy of v with the value at path set to x.
func replace(v any, path string, x any) any {
	raw, _ := json.Marshal(v)
	var c any
	_ = json.Unmarshal(raw, &c)
	var set func(cur any, parts []string) any
	set = func(cur any, parts []string) any {
		if len(parts) == 0 {
			return x
		}
		head := parts[0]
		if i := strings.Index(head, "["); i > 0 { // "grades[0]" → "grades", "[0]"
			return set(cur, append([]string{head[:i], head[i:]}, parts[1:]...))
		}
		if strings.HasPrefix(head, "[") {
			var n int
			fmt.Sscanf(head, "[%d]", &n)
			a := cur.([]any)
			a[n] = set(a[n], parts[1:])
			return a
		}
		m := cur.(map[string]any)
		m[head] = set(m[head], parts[1:])
		return m
	}
	return set(c, splitPath(path))
}

func splitPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, ".") {
		for {
			i := strings.Index(part[1:], "[")
			if i < 0 {
				break
			}
			out = append(out, part[:i+1])
			part = part[i+1:]
		}
		out = append(out, part)
	}
	return out
}
