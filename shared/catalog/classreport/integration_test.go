package classreport_test

import (
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"testing"

	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/demo"
	"github.com/ecpa-lifelong/backoffice/shared/report/reporttest"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

type answer = reporttest.Answer

// TestAgencyCourses: P18 lists exactly the scope's classes of the year that
// match, its total opens 開課狀況統計 whose counts match an independent count.
func TestAgencyCourses(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{People: 100, Classes: 80})
	y := env.Year()
	in := reporttest.Subtree(env.Data.Agencies, demo.MOI)
	want, byNature := 0, map[string]int{}
	for _, c := range env.Data.Classes {
		if in[c.Agency] && c.Year == y {
			want++
			byNature[catalog.NatureNames[c.Nature]]++
		}
	}
	if want == 0 {
		t.Fatal("the demo has no class of MOI's subtree this year")
	}
	base := "/api/reports/P18?scope=subtree&year=" + strconv.Itoa(y)
	var rows int
	var total map[string]json.RawMessage
	next := ""
	for {
		p := base + "&limit=7"
		if next != "" {
			p += "&next=" + url.QueryEscape(next)
		}
		res := env.As(t, "moi.hr", "GET", p, nil)
		if res.Status != 200 {
			t.Fatalf("%s: %d %s", p, res.Status, res.Body)
		}
		var a answer
		res.JSON(t, &a)
		if len(a.Rows) > 7 {
			t.Errorf("a page of %d rows, asked for 7", len(a.Rows))
		}
		if next == "" {
			total = a.Total
		}
		rows += len(a.Rows)
		if a.Next == "" {
			break
		}
		next = a.Next
	}
	if rows != want {
		t.Errorf("P18 lists %d classes, want %d", rows, want)
	}
	var c struct {
		Value int    `json:"value"`
		Drill string `json:"drill"`
	}
	if err := json.Unmarshal(total["courseCode"], &c); err != nil || c.Value != want || c.Drill == "" {
		t.Fatalf("total %s, want %d with a drill-down", total["courseCode"], want)
	}
	res := env.As(t, "moi.hr", "GET", c.Drill, nil)
	var stats answer
	res.JSON(t, &stats)
	sum := 0
	for _, r := range stats.Rows {
		var dim, val string
		json.Unmarshal(r["dimension"], &dim)
		json.Unmarshal(r["value"], &val)
		n, _ := strconv.Atoi(string(r["classes"]))
		if dim == "課程性質" {
			sum += n
			if n != byNature[val] {
				t.Errorf("%s: %d classes, want %d", val, n, byNature[val])
			}
		}
	}
	if sum != want {
		t.Errorf("by nature adds up to %d, want %d", sum, want)
	}
}
