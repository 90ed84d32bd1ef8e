package statistics_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/export"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/report/reporttest"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

// ---- reading answers ----

type answer = reporttest.Answer

var (
	value = reporttest.Value
	num   = reporttest.Num
	str   = reporttest.Str
	get   = reporttest.Get
)

// rate is a rate or average as the API sends it: "null" or the number.
func rate(raw json.RawMessage) string { v, _ := value(raw); return string(v) }

// want formats an expected rate or average: count/n with one decimal, "null" for n = 0.
func want(count, n int, percent bool) string {
	if n == 0 {
		return "null"
	}
	x := float64(count) / float64(n)
	if percent {
		x *= 100
	}
	return strconv.FormatFloat(math.Round(x*10)/10, 'f', -1, 64)
}

// count reads every page of a drill-down list.
func count(t *testing.T, env *stacktest.Env, user, path string) int {
	t.Helper()
	return len(reporttest.All(t, env, user, path+"&limit=37"))
}

// drills checks that every drillable count of row lists exactly that many
// people; it answers how many cells it checked.
func drills(t *testing.T, env *stacktest.Env, user string, row map[string]json.RawMessage, keys ...string) int {
	t.Helper()
	for _, k := range keys {
		v, d := value(row[k])
		if d == "" {
			t.Fatalf("%s is not drillable: %s", k, row[k])
		}
		n, _ := strconv.Atoi(string(v))
		if got := count(t, env, user, d); got != n {
			t.Errorf("%s: the drill-down %s lists %d people, the cell says %d", k, d, got, n)
		}
	}
	return len(keys)
}

// ---- the independent recomputation (STATISTICS.md) ----

// parents reads the category table's parent links from its file.
func parents(t *testing.T) map[string]string {
	f, err := os.Open(filepath.Join(stacktest.Root(), "shared", "codes", "tables", "categories.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows[1:] {
		out[r[0]] = r[2]
	}
	return out
}

// learning is one person's counted hours of a year.
type learning struct {
	total, digital, physical int
	own                      map[string]int // by the record's own category
}

// learn sums counted records (final and passed) by person and the year of
// their end date.
func learn(recs []records.Record) map[int]map[string]*learning {
	out := map[int]map[string]*learning{}
	for _, r := range recs {
		if r.Status != records.Final || r.Passed == nil || !*r.Passed {
			continue
		}
		y, _ := strconv.Atoi(r.End[:4])
		if out[y] == nil {
			out[y] = map[string]*learning{}
		}
		l := out[y][r.PersonID]
		if l == nil {
			l = &learning{own: map[string]int{}}
			out[y][r.PersonID] = l
		}
		l.total += r.Hours
		l.own[r.Category] += r.Hours
		switch r.Nature {
		case "digital":
			l.digital += r.Hours
		case "blended":
			d, p := r.DigitalHours, r.PhysicalHours
			if d+p != r.Hours { // graded below the class's hours: in proportion, digital rounded down
				if d+p <= 0 {
					d, p = 0, r.Hours
				} else {
					d = r.Hours * d / (d + p)
					p = r.Hours - d
				}
			}
			l.digital += d
			l.physical += p
		default:
			l.physical += r.Hours
		}
	}
	return out
}

// further is the breakdown key of further study (L6c), whose records'
// categories are "study" and the 進修類別: it has no course category and
// counts under "study" alone (STATISTICS.md, 進修).
const further = "study"

// in reports whether code is one of set or below one.
func in(par map[string]string, code string, set []string) bool {
	if strings.HasPrefix(code, further) {
		return len(set) == 1 && set[0] == further
	}
	for c := code; c != ""; c = par[c] {
		for _, s := range set {
			if c == s {
				return true
			}
		}
	}
	return false
}

func hoursUnder(par map[string]string, l *learning, set []string) int {
	if l == nil {
		return 0
	}
	if len(set) == 0 {
		return l.total
	}
	h := 0
	for c, n := range l.own {
		if in(par, c, set) {
			h += n
		}
	}
	return h
}

func applies(r requirement.Requirement, personnelCategory string) bool {
	if len(r.PersonnelCategories) == 0 {
		return true
	}
	for _, c := range r.PersonnelCategories {
		if c == personnelCategory {
			return true
		}
	}
	return false
}

// yearlyMinimum is the highest all-categories minimum that applies to p; ok
// false when none does.
func yearlyMinimum(reqs []requirement.Requirement, year int, personnelCategory string) (int, bool) {
	m, ok := 0, false
	for _, r := range reqs {
		if r.Year == year && len(r.Categories) == 0 && applies(r, personnelCategory) && (!ok || r.Minimum > m) {
			m, ok = r.Minimum, true
		}
	}
	return m, ok
}

// groupOf is the group of the nearest mapped category at or above code.
func groupOf(par map[string]string, groups []requirement.Group, code string) string {
	if strings.HasPrefix(code, further) {
		return "進修"
	}
	for c := code; c != ""; c = par[c] {
		for _, g := range groups {
			if g.Category == c {
				return g.Group
			}
		}
	}
	return ""
}

// ---- the test ----

// Codes of the agencies the test adds under 內政部: one without staff, one
// state-owned enterprise (P11 only).
const (
	emptyAgency = "301990000Z"
	enterprise  = "301980000Y"
)

// TestStatistics checks P8, P9, P10 and P11 against a recomputation from the
// demo's raw records and people plus edge cases: people without records,
// records at the year boundary, pending-review, failed and blended records,
// a person who moved agency after their summary was computed, an agency
// without staff (rates and averages null), an enterprise (P11, never P10),
// requirements restricted by personnel category and overlapping categories.
func TestStatistics(t *testing.T) {
	stacktest.EachClock(t, func(t *testing.T, at time.Time) {
		env := stacktest.Start(t, stacktest.Options{People: 250, Classes: 30, At: at})
		ctx := context.Background()
		y := env.Year()
		par := parents(t)

		// The default tables are loaded at start: P8 of this year lists the
		// file's requirements of the year.
		defaults := map[int][]string{}
		f, err := os.Open(filepath.Join(stacktest.Root(), "shared", "requirement", "tables", "requirements.csv"))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows[1:] {
			yy, _ := strconv.Atoi(r[0])
			defaults[yy] = append(defaults[yy], r[1])
		}
		loaded, err := (&requirement.Repo{Table: env.Tables.Directory}).Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range loaded.Requirements {
			if r.Year == y {
				ids = append(ids, r.ID)
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(defaults[y]) || len(loaded.Groups) == 0 {
			t.Fatalf("loaded requirements of %d: %v, requirements.csv: %v", y, ids, defaults[y])
		}

		// Tables of the test's own, so the expectations below follow from
		// literals here: a requirement for police only, one over overlapping
		// categories (13 and 132 below it: each hour once), groups where a
		// nearer row overrides its parent's.
		reqs := []requirement.Requirement{}
		for _, yy := range []int{y - 1, y} {
			reqs = append(reqs,
				requirement.Requirement{Year: yy, ID: "annual", Name: "年度學習總時數", Minimum: 20},
				requirement.Requirement{Year: yy, ID: "annual-police", Name: "警察人員年度時數", Minimum: 25, PersonnelCategories: []string{"警察人員"}},
				requirement.Requirement{Year: yy, ID: "democracy", Name: "民主治理", Categories: []string{"13", "132"}, Minimum: 3},
				requirement.Requirement{Year: yy, ID: "policy-env", Name: "政策與環境", Categories: []string{"11", "121"}, Minimum: 2},
				// a part: 政策與環境 is completed only with an hour of 環境 too
				requirement.Requirement{Year: yy, ID: "env", Name: "環境", Categories: []string{"121"}, Minimum: 1, PartOf: "policy-env"},
				requirement.Requirement{Year: yy, ID: "it-police", Name: "警察資訊", Categories: []string{"3"}, Minimum: 2, PersonnelCategories: []string{"警察人員"}},
				requirement.Requirement{Year: yy, ID: "zero", Name: "無時數要求", Categories: []string{"4"}, Minimum: 0},
			)
		}
		groups := []requirement.Group{{Category: "1", Group: "政策"}, {Category: "13", Group: "治理"}, {Category: "2", Group: "人文"},
			{Category: "3", Group: "數位"}, {Category: "4", Group: "管理", DecisionMaking: true}, {Category: "5", Group: "管理"}}
		if err := requirement.Store(ctx, env.Tables.Directory, requirement.Tables{Requirements: reqs, Groups: groups, Loaded: time.Now()}); err != nil {
			t.Fatal(err)
		}
		// (before any report is asked for: the reports function keeps the
		// tables it read for five minutes, as it does the code tables)

		// Edge cases.
		ags := append([]agency.Agency(nil), env.Data.Agencies...)
		moi, err := agency.Repo{Table: env.Tables.Directory}.Get(ctx, demo.MOI)
		if err != nil {
			t.Fatal(err)
		}
		added := []agency.Agency{
			{Code: emptyAgency, Name: "內政部測試無人機關", Parent: demo.MOI, Level: 2, Kind: agency.KindAgency, Path: moi.Path + "/" + emptyAgency},
			{Code: enterprise, Name: "內政部測試事業機構", Parent: demo.MOI, Level: 2, Kind: agency.KindEnterprise, Path: moi.Path + "/" + enterprise},
		}
		if err := (agency.Repo{Table: env.Tables.Directory}).PutAll(ctx, added); err != nil {
			t.Fatal(err)
		}
		ags = append(ags, added...)
		person := func(id, ag, cat string, gender int) staff.Person {
			return staff.Person{ID: id, NationalID: fmt.Sprintf("A1%08d", len(id)*1000+int(id[len(id)-1])), Name: "測試" + id[len(id)-1:],
				Gender: gender, Agency: ag, Unit: "測試科", Title: "科員", Rank: "委任第五職等", Category: cat}
		}
		// px0002 has no records; px0004's records are written while in MOI, then
		// they move to MOINPA; px0005 has exactly the minimums; px0006 learned
		// in further study (L6c) only, px0001 in it too.
		edge := []staff.Person{person("px0001", demo.MOI, "警察人員", 1), person("px0002", demo.MOI, "約聘僱人員", 2),
			person("px0003", enterprise, "事業機構人員", 2), person("px0004", demo.MOI, "一般公務人員", 2),
			person("px0005", demo.MOINPA, "一般公務人員", 1), person("px0006", demo.MOINPA, "一般公務人員", 2)}
		var items []any
		for _, p := range edge {
			items = append(items, staff.Keyed(p)...)
		}
		if err := store.WriteAll(ctx, env.Tables.Directory, items, 2); err != nil {
			t.Fatal(err)
		}
		yes, no := true, false
		mk := func(pid, id, start, end, status string, passed *bool, cat, nature string, h, d, ph int) records.Record {
			ey, _ := strconv.Atoi(end[:4])
			return records.Record{PersonID: pid, ID: "T#" + id, Agency: demo.MOI, Year: ey, Source: records.SourceExternal,
				CourseName: "測試" + id, Category: cat, Start: start, End: end, Hours: h, Passed: passed, Status: status,
				Nature: nature, DigitalHours: d, PhysicalHours: ph}
		}
		d := func(yy int, md string) string { return fmt.Sprintf("%d-%s", yy, md) }
		study := func(pid, id, end, typ string, h int) records.Record {
			r := mk(pid, id, end, end, records.Final, &yes, "study"+typ, "", h, 0, 0)
			r.Source = records.SourceStudy
			return r
		}
		extra := []records.Record{
			mk("px0001", "lastday", d(y-1, "12-31"), d(y-1, "12-31"), records.Final, &yes, "132", "physical", 2, 0, 0),
			mk("px0001", "newyear", d(y-1, "12-30"), d(y, "01-01"), records.Final, &yes, "132", "physical", 2, 0, 0),
			mk("px0001", "gov", d(y, "02-01"), d(y, "02-01"), records.Final, &yes, "131", "digital", 1, 0, 0),
			mk("px0001", "pending", d(y, "03-02"), d(y, "03-02"), records.PendingReview, nil, "3111", "physical", 30, 0, 0),
			mk("px0001", "failed", d(y, "03-03"), d(y, "03-03"), records.Final, &no, "3111", "physical", 30, 0, 0),
			mk("px0001", "awaiting", d(y, "03-04"), d(y, "03-04"), records.AwaitingHours, nil, "3111", "", 30, 0, 0),
			mk("px0001", "blended", d(y, "03-05"), d(y, "03-06"), records.Final, &yes, "31111", "blended", 9, 4, 5),
			mk("px0001", "graded", d(y, "03-07"), d(y, "03-07"), records.Final, &yes, "11111", "blended", 5, 3, 3),
			mk("px0003", "ent", d(y, "04-01"), d(y, "04-01"), records.Final, &yes, "411", "physical", 21, 0, 0),
			// exactly at the minimums (20 a year, 2 in policy-env)
			mk("px0005", "exact-policy", d(y, "06-01"), d(y, "06-01"), records.Final, &yes, "11111", "digital", 2, 0, 0),
			mk("px0005", "exact-rest", d(y, "06-02"), d(y, "06-02"), records.Final, &yes, "512", "physical", 18, 0, 0),
			// decision-making (R3): a man at level 1, a woman at level 2
			mk("px0001", "lead", d(y, "07-01"), d(y, "07-01"), records.Final, &yes, "412", "physical", 2, 0, 0),
			mk("px0004", "manage", d(y, "07-02"), d(y, "07-02"), records.Final, &yes, "411", "physical", 1, 0, 0),
			mk("px0004", "moved", d(y, "05-01"), d(y, "05-01"), records.Final, &yes, "121", "physical", 22, 0, 0),
			// further study: 2 學分 (36 h), and a degree
			study("px0006", "credits", d(y, "08-01"), "3", 36),
			study("px0001", "degree", d(y, "06-30"), "1", 4),
		}
		if err := (records.Repo{Table: env.Tables.Records}).WriteRecords(ctx, extra); err != nil {
			t.Fatal(err)
		}
		env.WaitSummaries(t) // the summaries follow from the Records stream
		moved := edge[3]
		moved.Agency = demo.MOINPA
		if err := store.WriteAll(ctx, env.Tables.Directory, staff.Keyed(moved), 1); err != nil {
			t.Fatal(err)
		}
		edge[3] = moved

		// The population now, and each person's hours.
		ppl := append(append([]staff.Person(nil), env.Data.People...), edge...)
		learned := learn(append(extra, env.Data.Records...))
		kind := map[string]agency.Kind{}
		name := map[string]string{}
		for _, a := range ags {
			kind[a.Code], name[a.Code] = a.Kind, a.Name
		}
		scope := reporttest.Subtree(ags, demo.MOI)

		// Until the nightly batch has run, pages are computed on request
		// (統計時間 = now); after it, every page below is read from its
		// rollups, and must still equal the recomputation of this test.
		asked := env.Now()
		if at := get(t, env, "moi.hr", "/api/reports/P10?scope=subtree").ComputedAt; at == nil || at.Before(asked.Add(-time.Second)) {
			t.Errorf("P10 before any rollup: 統計時間 %v, want the time of the request (%v)", at, asked)
		}
		// a class of the range is cancelled (停辦): one that matches R1's
		// conditions below, unless it is the only one
		classes := append([]catalog.Class(nil), env.Data.Classes...)
		inRange := func(c catalog.Class) bool {
			return scope[c.Agency] && kind[c.Agency] != agency.KindEnterprise && c.Start >= env.Day(-200) && c.Start <= env.Day(20)
		}
		matches := func(c catalog.Class) bool { return in(par, c.Category, []string{"1"}) && c.Method == catalog.Open }
		matched := 0
		for _, c := range classes {
			if inRange(c) && matches(c) {
				matched++
			}
		}
		cancelled := false
		for i, c := range classes {
			if inRange(c) && matches(c) == (matched > 1) && !cancelled {
				if err := (catalog.Repo{Table: env.Tables.Catalog}).CancelClass(ctx, c, env.Now()); err != nil {
					t.Fatal(err)
				}
				classes[i].Status, cancelled = catalog.Cancelled, true
			}
		}
		if !cancelled {
			t.Fatal("no class of MOI's subtree in R1's range to cancel")
		}
		checkR1(t, env, env.Day(-200), env.Day(60), nil, classes, scope, kind, par) // on request
		rolled := rollup(t, env)
		if at := get(t, env, "moi.hr", "/api/reports/P10?scope=subtree").ComputedAt; at == nil || !at.Equal(rolled) {
			t.Errorf("P10 after the nightly rollup: 統計時間 %v, want the rollup's %v", at, rolled)
		}

		for _, yy := range []int{y - 1, y} {
			checkP10(t, env, yy, ags, ppl, learned[yy], reqs, scope, kind, name)
			checkCategories(t, env, yy, ppl, learned[yy], scope, kind, par)
			checkP8(t, env, yy, ppl, learned[yy], reqs, scope, kind, par)
		}
		checkP9(t, env, y, ppl, learned[y], groups, scope, kind, par)
		level := map[string]int{}
		for _, a := range ags {
			level[a.Code] = a.Level
		}
		checkR3(t, env, y, ppl, learned[y], scope, kind, level, par)
		// R1 from the rollups: a range inside the rollup years, its ends
		// inside a year (counted day by day), and one that may reach past
		// them (the next year: on request)
		// (the demo's classes start from about now on: the range reaches
		// 20 days ahead or more, so the year's last days are left to the
		// clocks of the next year)
		if inside := min(env.Day(60), fmt.Sprintf("%d-12-30", y)); inside >= env.Day(20) {
			checkR1(t, env, env.Day(-200), inside, &rolled, classes, scope, kind, par)
		}
		checkR1(t, env, env.Day(-200), env.Day(60), nil, classes, scope, kind, par)
		// the pages checked above were read from the rollups
		for _, p := range []string{"P8", "P9", "P10", "P10-categories", "P11", "P11-categories", "R3"} {
			user := "moi.hr"
			if p == "R3" {
				user = "moi.admin"
			}
			for _, sc := range []string{"self", "subtree"} {
				if sc == "self" && strings.HasPrefix(p, "P11") {
					continue // 內政部 alone has no enterprise: nothing to read, 統計時間 is now
				}
				if at := get(t, env, user, "/api/reports/"+p+"?scope="+sc).ComputedAt; at == nil || !at.Equal(rolled) {
					t.Errorf("%s %s: 統計時間 %v, want the rollup's %v", p, sc, at, rolled)
				}
			}
		}

		checkEnterprises(t, env, ags, ppl, learned, reqs)

		// an agency without staff: null rates and averages, never 0 or an error
		a := get(t, env, "moi.hr", "/api/reports/P10?scope=self&agency="+emptyAgency)
		if len(a.Rows) != 1 || num(t, a.Rows[0]["staff"]) != 0 || rate(a.Rows[0]["averageHours"]) != "null" || rate(a.Total["averageHours"]) != "null" {
			t.Errorf("P10 of an agency without staff: %+v total %+v", a.Rows, a.Total)
		}
		a = get(t, env, "moi.hr", "/api/reports/P8?scope=self&agency="+emptyAgency)
		for _, r := range a.Rows {
			if num(t, r["staff"]) != 0 || rate(r["rate"]) != "null" {
				t.Errorf("P8 of an agency without staff: %v", r)
			}
		}
		// bad input is a 400 with a field, never a 5xx; scope never leaks
		for _, p := range []string{"/api/reports/P8-people?requirement=nope", "/api/reports/P10-people?status=maybe",
			"/api/reports/P10-people?next=99999", "/api/reports/P9-people?personnelCategory=x"} {
			if res := env.As(t, "moi.hr", "GET", p, nil); res.Status != 400 || res.Code() != "invalid_input" {
				t.Errorf("%s: %d %s", p, res.Status, res.Body)
			}
		}
		if res := env.As(t, "tpe.hr", "GET", "/api/reports/P10?agency="+demo.MOI, nil); res.Status != 403 {
			t.Errorf("MOI's P10 for Taipei's officer: %d %s", res.Status, res.Body)
		}
	})
}

// rollup runs the nightly batch and waits for its rollup workers; it
// answers the 統計時間 they stored (read back through P8 of 內政部).
func rollup(t *testing.T, env *stacktest.Env) time.Time {
	t.Helper()
	before := env.Now()
	if out, err := env.Fire(context.Background(), "Nightly", nil); err != nil {
		t.Fatalf("nightly batch: %v %s", err, out)
	}
	env.WaitAsync()
	at := get(t, env, "moi.hr", "/api/reports/P8?scope=subtree").ComputedAt
	if at == nil || at.Before(before.Add(-time.Second)) || at.After(env.Now()) {
		t.Fatalf("統計時間 after the nightly batch: %v, want between %v and now", at, before)
	}
	return *at
}

// figures are a set of people's P10 numbers.
type figures struct{ staff, participants, reached, total, digital, physical int }

func (f *figures) add(g figures) {
	f.staff += g.staff
	f.participants += g.participants
	f.reached += g.reached
	f.total += g.total
	f.digital += g.digital
	f.physical += g.physical
}

func p10Of(t *testing.T, r map[string]json.RawMessage) figures {
	return figures{num(t, r["staff"]), num(t, r["participants"]), num(t, r["reachedMinimum"]),
		num(t, r["totalHours"]), num(t, r["digitalHours"]), num(t, r["physicalHours"])}
}

func checkP10(t *testing.T, env *stacktest.Env, y int, ags []agency.Agency, ppl []staff.Person, learned map[string]*learning,
	reqs []requirement.Requirement, scope map[string]bool, kind map[string]agency.Kind, name map[string]string) {
	t.Helper()
	exp := map[string]*figures{}
	for _, p := range ppl {
		if !scope[p.Agency] {
			continue
		}
		f := exp[p.Agency]
		if f == nil {
			f = &figures{}
			exp[p.Agency] = f
		}
		f.staff++
		l := learned[p.ID]
		if l == nil {
			l = &learning{}
		}
		f.total += l.total
		f.digital += l.digital
		f.physical += l.physical
		if l.total > 0 {
			f.participants++
		}
		if m, ok := yearlyMinimum(reqs, y, p.Category); ok && l.total >= m {
			f.reached++
		}
	}
	for _, id := range []string{"P10", "P11"} {
		keep := func(code string) bool { return (kind[code] == agency.KindEnterprise) == (id == "P11") }
		a := get(t, env, "moi.hr", "/api/reports/"+id+"?scope=subtree&year="+strconv.Itoa(y))
		wantRows := 0
		for code := range scope {
			if keep(code) {
				wantRows++
			}
		}
		if len(a.Rows) != wantRows {
			t.Fatalf("%s has %d rows, MOI's subtree %d agencies it counts", id, len(a.Rows), wantRows)
		}
		var sum, tot figures
		drilled := 0
		for _, r := range a.Rows {
			_, link := value(r["agency"])
			u, err := url.Parse(link)
			if err != nil || link == "" {
				t.Fatalf("%s: the agency name opens nothing: %s", id, r["agency"])
			}
			code := u.Query().Get("agency")
			if !scope[code] || !keep(code) || str(r["agency"]) != name[code] {
				t.Fatalf("%s: row of %s (%s)", id, code, r["agency"])
			}
			w := figures{}
			if exp[code] != nil {
				w = *exp[code]
			}
			got := p10Of(t, r)
			if got != w {
				t.Errorf("%s %s: got %+v, want %+v", id, code, got, w)
			}
			if av := rate(r["averageHours"]); av != want(w.total, w.staff, false) {
				t.Errorf("%s %s: average %s, want %s", id, code, av, want(w.total, w.staff, false))
			}
			sum.add(got)
			tot.add(w)
			// scope sums: the row equals the agency's own (本機關) figures
			self := get(t, env, "moi.hr", "/api/reports/"+id+"?scope=self&agency="+code+"&year="+strconv.Itoa(y))
			if len(self.Rows) != 1 || p10Of(t, self.Rows[0]) != got || p10Of(t, self.Total) != got {
				t.Errorf("%s %s: 本機關 figures %v differ from its row in 含所屬機關 %+v", id, code, self.Rows, got)
			}
			if got.staff > 0 || drilled < 3 {
				drilled += drills(t, env, "moi.hr", r, "staff", "participants", "reachedMinimum")
			}
		}
		if got := p10Of(t, a.Total); got != sum || got != tot {
			t.Errorf("%s total %+v; sum of the rows %+v; recomputed %+v", id, got, sum, tot)
		}
		if rate(a.Total["averageHours"]) != want(tot.total, tot.staff, false) {
			t.Errorf("%s total average %s, want %s", id, a.Total["averageHours"], want(tot.total, tot.staff, false))
		}
		drilled += drills(t, env, "moi.hr", a.Total, "staff", "participants", "reachedMinimum")
		// this year holds the edge cases: someone participates and reaches the minimum
		if drilled < 6 || (y == env.Year() && (tot.participants == 0 || tot.reached == 0)) {
			t.Fatalf("%s: too little checked: %d drill-downs, %+v", id, drilled, tot)
		}
	}
}

// checkEnterprises checks P11 of 經濟部, whose subtree holds the demo's
// state-owned enterprises with staff and records, for its personnel officer
// and its statistics account (issue 28): a row per enterprise, each equal to
// the recomputation, and someone learned in one of them.
func checkEnterprises(t *testing.T, env *stacktest.Env, ags []agency.Agency, ppl []staff.Person, learned map[int]map[string]*learning,
	reqs []requirement.Requirement) {
	t.Helper()
	var ents []string
	for _, a := range ags {
		if a.Parent == demo.MOEA && a.Kind == agency.KindEnterprise {
			ents = append(ents, a.Code)
		}
	}
	stats := env.StatsLogin(t, "stats.moea", demo.StatsPassword)
	learners := 0
	for _, y := range []int{env.Year() - 1, env.Year()} {
		exp := map[string]*figures{}
		for _, code := range ents {
			exp[code] = &figures{}
		}
		for _, p := range ppl {
			f := exp[p.Agency]
			if f == nil {
				continue
			}
			l := learned[y][p.ID]
			if l == nil {
				l = &learning{}
			}
			f.add(figures{staff: 1, total: l.total, digital: l.digital, physical: l.physical})
			if l.total > 0 {
				f.participants++
			}
			if m, ok := yearlyMinimum(reqs, y, p.Category); ok && l.total >= m {
				f.reached++
			}
		}
		path := "/api/reports/P11?scope=subtree&year=" + strconv.Itoa(y)
		var byStats answer
		if res := env.Do(t, "GET", path, stats, nil); res.Status != 200 {
			t.Fatalf("P11 for stats.moea: %d %s", res.Status, res.Body)
		} else {
			res.JSON(t, &byStats)
		}
		for who, a := range map[string]answer{"moea.hr": get(t, env, "moea.hr", path), "stats.moea": byStats} {
			if len(a.Rows) != len(ents) {
				t.Fatalf("P11 of 經濟部 for %s: %d rows, want its %d enterprises", who, len(a.Rows), len(ents))
			}
			for i, r := range a.Rows {
				_, link := value(r["agency"])
				u, _ := url.Parse(link)
				code := u.Query().Get("agency")
				if exp[code] == nil {
					t.Fatalf("P11 of 經濟部 for %s: row %d is %s", who, i, r["agency"])
				}
				if got := p10Of(t, r); got != *exp[code] {
					t.Errorf("P11 %d %s for %s: %+v, want %+v", y, code, who, got, *exp[code])
				}
			}
		}
		for _, f := range exp {
			learners += f.participants
		}
	}
	if learners == 0 {
		t.Error("P11 of 經濟部: nobody learned in its enterprises: the check does not discriminate")
	}
}

func checkP8(t *testing.T, env *stacktest.Env, y int, ppl []staff.Person, learned map[string]*learning,
	reqs []requirement.Requirement, scope map[string]bool, kind map[string]agency.Kind, par map[string]string) {
	t.Helper()
	a := get(t, env, "moi.hr", "/api/reports/P8?scope=subtree&year="+strconv.Itoa(y))
	var mine []requirement.Requirement
	for _, r := range reqs {
		if r.Year == y {
			mine = append(mine, r)
		}
	}
	if len(a.Rows) != len(mine) {
		t.Fatalf("P8 has %d rows, the year %d requirements", len(a.Rows), len(mine))
	}
	for i, row := range a.Rows {
		r := mine[i]
		n, done, partly := 0, 0, 0
		for _, p := range ppl {
			if !scope[p.Agency] || kind[p.Agency] == agency.KindEnterprise || !applies(r, p.Category) {
				continue
			}
			n++
			if completes(par, learned[p.ID], mine, r, p.Category) {
				done++
			} else if hoursUnder(par, learned[p.ID], r.Categories) >= r.Minimum {
				partly++
			}
		}
		if r.ID == "policy-env" && y == env.Year() && partly == 0 {
			t.Errorf("P8 policy-env: nobody reached its hours without its part: the case does not discriminate")
		}
		if str(row["requirement"]) != r.ID || num(t, row["staff"]) != n || num(t, row["completed"]) != done ||
			num(t, row["notCompleted"]) != n-done || rate(row["rate"]) != want(done, n, true) {
			t.Errorf("P8 %s: got %v, want N %d completed %d rate %s", r.ID, row, n, done, want(done, n, true))
		}
		if r.ID == "democracy" && y == env.Year() && (done == 0 || done == n) {
			t.Errorf("P8 democracy: %d of %d completed: the case does not discriminate", done, n)
		}
		drills(t, env, "moi.hr", row, "staff", "completed", "notCompleted")
	}
}

// completes: l's hours under r's categories reach its minimum, and each of
// r's parts (the requirements of reqs naming it in PartOf) that applies is
// completed too.
func completes(par map[string]string, l *learning, reqs []requirement.Requirement, r requirement.Requirement, pc string) bool {
	if hoursUnder(par, l, r.Categories) < r.Minimum {
		return false
	}
	for _, p := range reqs {
		if p.PartOf == r.ID && applies(p, pc) && !completes(par, l, reqs, p, pc) {
			return false
		}
	}
	return true
}

func checkP9(t *testing.T, env *stacktest.Env, y int, ppl []staff.Person, learned map[string]*learning,
	groups []requirement.Group, scope map[string]bool, kind map[string]agency.Kind, par map[string]string) {
	t.Helper()
	type acc struct{ staff, participants, hours int }
	exp := map[[2]string]*acc{}
	var pcs []string
	names := []string{"政策", "治理", "人文", "數位", "管理", "進修"}
	totals := map[string]int{} // every hour of each personnel category's people
	for _, p := range ppl {
		if !scope[p.Agency] || kind[p.Agency] == agency.KindEnterprise {
			continue
		}
		gh := map[string]int{}
		if l := learned[p.ID]; l != nil {
			totals[p.Category] += l.total
			for c, h := range l.own {
				if g := groupOf(par, groups, c); g != "" {
					gh[g] += h
				}
			}
		}
		for _, g := range names {
			k := [2]string{p.Category, g}
			if exp[k] == nil {
				exp[k] = &acc{}
				if g == names[0] {
					pcs = append(pcs, p.Category)
				}
			}
			exp[k].staff++
			if gh[g] > 0 {
				exp[k].participants++
				exp[k].hours += gh[g]
			}
		}
	}
	sort.Strings(pcs)
	a := get(t, env, "moi.hr", "/api/reports/P9?scope=subtree&year="+strconv.Itoa(y))
	if len(a.Rows) != len(pcs)*len(names) {
		t.Fatalf("P9 has %d rows, want %d personnel categories × %d groups", len(a.Rows), len(pcs), len(names))
	}
	participated := 0
	parts := map[string]int{}
	for i, row := range a.Rows {
		k := [2]string{pcs[i/len(names)], names[i%len(names)]}
		parts[k[0]] += num(t, row["totalHours"])
		w := exp[k]
		if str(row["personnelCategory"]) != k[0] || str(row["group"]) != k[1] || num(t, row["staff"]) != w.staff ||
			num(t, row["participants"]) != w.participants || num(t, row["totalHours"]) != w.hours ||
			rate(row["participationRate"]) != want(w.participants, w.staff, true) || rate(row["averageHours"]) != want(w.hours, w.staff, false) {
			t.Errorf("P9 %v: got %v, want %+v", k, row, *w)
		}
		participated += w.participants
		drills(t, env, "moi.hr", row, "staff", "participants")
	}
	if participated == 0 || exp[[2]string{"一般公務人員", "進修"}].hours == 0 {
		t.Fatal("P9: nobody participated, or in further study: the check does not discriminate")
	}
	// the groups (進修 among them) add up to every hour: the test's groups map every top-level category
	for pc, h := range totals {
		if parts[pc] != h {
			t.Errorf("P9 %s: the groups add up to %d hours, its people learned %d", pc, parts[pc], h)
		}
	}
}

func checkR3(t *testing.T, env *stacktest.Env, y int, ppl []staff.Person, learned map[string]*learning,
	scope map[string]bool, kind map[string]agency.Kind, level map[string]int, par map[string]string) {
	t.Helper()
	// the test's groups flag category 4 (管理發展) only
	type acc struct{ men, women int }
	exp := map[string]*acc{}
	for _, p := range ppl {
		if !scope[p.Agency] || kind[p.Agency] == agency.KindEnterprise {
			continue
		}
		l := strconv.Itoa(level[p.Agency])
		if exp[l] == nil {
			exp[l] = &acc{}
		}
		if hoursUnder(par, learned[p.ID], []string{"4"}) > 0 {
			if p.Gender == 1 {
				exp[l].men++
			} else {
				exp[l].women++
			}
		}
	}
	a := get(t, env, "moi.admin", "/api/reports/R3?scope=subtree&year="+strconv.Itoa(y))
	if len(a.Rows) != len(exp) {
		t.Fatalf("R3 has %d rows, want one per level with staff: %d", len(a.Rows), len(exp))
	}
	seen := 0
	for _, row := range a.Rows {
		w := exp[str(row["level"])]
		if w == nil || str(row["category"]) != "管理發展(4)" {
			t.Fatalf("R3 row %v", row)
		}
		if num(t, row["men"]) != w.men || num(t, row["women"]) != w.women || num(t, row["total"]) != w.men+w.women ||
			rate(row["womenShare"]) != want(w.women, w.men+w.women, true) {
			t.Errorf("R3 level %s: got %v, want %+v", row["level"], row, *w)
		}
		seen += w.men + w.women
		drills(t, env, "moi.admin", row, "men", "women", "total")
	}
	if seen == 0 {
		t.Fatal("R3: no participant: the check does not discriminate")
	}
	if res := env.As(t, "moi.admin", "GET", "/api/reports/R3?category=3", nil); res.Status != 400 || res.Code() != "invalid_input" {
		t.Errorf("R3 of a category not flagged: %d %s", res.Status, res.Body)
	}
}

// checkR1 checks R1 over a range of start days; with rolled, that it was
// read from the rollups of that time.
func checkR1(t *testing.T, env *stacktest.Env, from, to string, rolled *time.Time, classes []catalog.Class,
	scope map[string]bool, kind map[string]agency.Kind, par map[string]string) {
	t.Helper()
	matching, alls, cancelled := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range classes {
		if !scope[c.Agency] || kind[c.Agency] == agency.KindEnterprise || c.Start < from || c.Start > to {
			continue
		}
		n := c.Nature
		if n == "" {
			n = catalog.Physical
		}
		if c.Status == catalog.Cancelled { // not a class held: its own column
			cancelled[n]++
			continue
		}
		alls[n]++
		if in(par, c.Category, []string{"1"}) && c.Method == catalog.Open {
			matching[n]++
		}
	}
	path := "/api/reports/R1?scope=subtree&from=" + from + "&to=" + to + "&category=1&method=" + catalog.Open
	a := get(t, env, "moi.admin", path)
	if rolled != nil && (a.ComputedAt == nil || !a.ComputedAt.Equal(*rolled)) {
		t.Errorf("R1 %s–%s: 統計時間 %v, want the rollup's %v", from, to, a.ComputedAt, *rolled)
	}
	names := []string{catalog.NatureNames[catalog.Digital], catalog.NatureNames[catalog.Physical], catalog.NatureNames[catalog.Blended]}
	if len(a.Rows) != 3 {
		t.Fatalf("R1 has %d rows, want one per nature", len(a.Rows))
	}
	tm, ta, tc := 0, 0, 0
	for i, n := range []string{catalog.Digital, catalog.Physical, catalog.Blended} {
		row := a.Rows[i]
		if str(row["nature"]) != names[i] || num(t, row["matching"]) != matching[n] || num(t, row["all"]) != alls[n] ||
			rate(row["share"]) != want(matching[n], alls[n], true) || num(t, row["cancelled"]) != cancelled[n] {
			t.Errorf("R1 %s: got %v, want %d of %d, %d cancelled", n, row, matching[n], alls[n], cancelled[n])
		}
		tm, ta, tc = tm+matching[n], ta+alls[n], tc+cancelled[n]
		drills(t, env, "moi.admin", row, "matching", "all", "cancelled")
	}
	if num(t, a.Total["matching"]) != tm || num(t, a.Total["all"]) != ta || rate(a.Total["share"]) != want(tm, ta, true) ||
		num(t, a.Total["cancelled"]) != tc {
		t.Errorf("R1 total %v, want %d of %d, %d cancelled", a.Total, tm, ta, tc)
	}
	drills(t, env, "moi.admin", a.Total, "matching", "all", "cancelled")
	if tm == 0 || tm == ta || tc == 0 {
		t.Errorf("R1: %d of %d classes match, %d cancelled: the check does not discriminate", tm, ta, tc)
	}
	if res := env.As(t, "moi.admin", "GET", "/api/reports/R1?from="+to+"&to="+from, nil); res.Status != 400 || res.Code() != "invalid_input" {
		t.Errorf("R1 with the range reversed: %d %s", res.Status, res.Body)
	}
}

// TestStatisticsExport: P10 and a drill-down list export as the screen shows
// them (a password ZIP opened with 7-Zip, the sheet read with excelize): the
// agency rows and the total with the same numbers, and the list with as many
// people as the count it opens, national IDs masked (issue 27: only P1 for
// personnel officers carries whole IDs).
func TestStatisticsExport(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 250, Classes: 30})
	screen := get(t, env, "moi.hr", "/api/reports/P10?scope=subtree")
	sheet := exported(t, env, "P10", map[string]string{"scope": "subtree"})
	byName := map[string][]string{}
	for _, r := range sheet {
		if len(r) >= 7 { // excelize drops a trailing empty cell (an average of no one)
			byName[r[0]] = r
		}
	}
	for _, r := range append(screen.Rows, screen.Total) {
		got := byName[str(r["agency"])]
		if got == nil {
			t.Fatalf("the file has no row of %s", r["agency"])
		}
		for i, k := range []string{"staff", "participants", "reachedMinimum", "totalHours", "digitalHours", "physicalHours"} {
			if got[i+1] != strconv.Itoa(num(t, r[k])) {
				t.Errorf("%s %s: file %q, screen %d", r["agency"], k, got[i+1], num(t, r[k]))
			}
		}
	}
	staffN := num(t, screen.Total["staff"])
	people := 0
	for _, r := range exported(t, env, "P10-people", map[string]string{"scope": "subtree", "status": "all"}) {
		if len(r) > 3 && len(r[3]) == 10 && r[3][0] >= 'A' && r[3][0] <= 'Z' && strings.Contains(r[3], "****") {
			people++
		}
	}
	if people != staffN {
		t.Errorf("the exported list has %d people with a masked national ID, the count says %d", people, staffN)
	}
}

// exported runs an export of report id as moi.hr and answers its sheet's rows.
func exported(t *testing.T, env *stacktest.Env, id string, params map[string]string) [][]string {
	t.Helper()
	const password = "Stats-115-ok!"
	res := env.As(t, "moi.hr", "POST", "/api/exports/"+id, map[string]any{"format": "xlsx", "params": params, "password": password})
	if res.Status != 202 {
		t.Fatalf("%s export: %d %s", id, res.Status, res.Body)
	}
	var job export.Job
	res.JSON(t, &job)
	env.WaitAsync()
	env.As(t, "moi.hr", "GET", "/api/exports/jobs/"+job.ID, nil).JSON(t, &job)
	if job.Status != export.Done {
		t.Fatalf("%s export job %+v", id, job)
	}
	link := env.As(t, "moi.hr", "GET", "/api/exports/jobs/"+job.ID+"/download", nil).Map(t)["url"].(string)
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	zipBytes, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	zp := filepath.Join(dir, "x.zip")
	if err := os.WriteFile(zp, zipBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("7z", "x", "-y", "-p"+password, "-o"+dir, zp).CombinedOutput(); err != nil {
		t.Fatalf("7z: %v %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	if len(files) != 1 {
		t.Fatalf("files in the ZIP: %v", files)
	}
	f, err := excelize.OpenFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// checkCategories checks P10's and P11's course-categories tables: per agency
// and top-level category, participants (> 0 hours under it) and hours.
func checkCategories(t *testing.T, env *stacktest.Env, y int, ppl []staff.Person, learned map[string]*learning,
	scope map[string]bool, kind map[string]agency.Kind, par map[string]string) {
	t.Helper()
	tops := []string{further}
	for c, p := range par {
		if p == "" {
			tops = append(tops, c)
		}
	}
	type acc struct{ n, h int }
	for _, id := range []string{"P10", "P11"} {
		keep := func(code string) bool { return (kind[code] == agency.KindEnterprise) == (id == "P11") }
		exp := map[[2]string]acc{}
		agencies := 0
		for code := range scope {
			if keep(code) {
				agencies++
			}
		}
		for _, p := range ppl {
			if !scope[p.Agency] || !keep(p.Agency) {
				continue
			}
			for _, c := range tops {
				if x := hoursUnder(par, learned[p.ID], []string{c}); x > 0 {
					a := exp[[2]string{p.Agency, c}]
					exp[[2]string{p.Agency, c}] = acc{a.n + 1, a.h + x}
				}
			}
		}
		a := get(t, env, "moi.hr", "/api/reports/"+id+"-categories?scope=subtree&year="+strconv.Itoa(y))
		if len(a.Rows) != agencies*len(tops) {
			t.Fatalf("%s-categories has %d rows, want %d agencies × %d categories", id, len(a.Rows), agencies, len(tops))
		}
		seen, some := map[[2]string]bool{}, 0
		parts := map[string]int{}
		for _, r := range a.Rows {
			_, link := value(r["participants"])
			u, err := url.Parse(link)
			if err != nil || link == "" {
				t.Fatalf("%s-categories: participants not drillable: %v", id, r)
			}
			k := [2]string{u.Query().Get("agency"), u.Query().Get("category")}
			if seen[k] || !scope[k[0]] || par[k[1]] != "" {
				t.Fatalf("%s-categories: row %v twice or out of scope", id, k)
			}
			seen[k] = true
			parts[k[0]] += num(t, r["hours"])
			if k[1] == further && str(r["category"]) != "進修" {
				t.Errorf("%s-categories: further study is named %s", id, r["category"])
			}
			w := exp[k]
			if num(t, r["participants"]) != w.n || num(t, r["hours"]) != w.h {
				t.Errorf("%s-categories %v: got %v, want %+v", id, k, r, w)
			}
			if w.n > 0 {
				some++
				drills(t, env, "moi.hr", r, "participants")
			}
		}
		if some == 0 && y == env.Year() {
			t.Errorf("%s-categories: nobody learned in any category: the check does not discriminate", id)
		}
		// an agency's categories (進修 among them) add up to its total hours
		for _, p := range ppl {
			if l := learned[p.ID]; scope[p.Agency] && keep(p.Agency) && l != nil {
				parts[p.Agency] -= l.total
			}
		}
		for code, h := range parts {
			if h != 0 {
				t.Errorf("%s-categories %s: the categories add up to %+d hours more than its total", id, code, h)
			}
		}
	}
}
