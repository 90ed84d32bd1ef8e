package roster

import (
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

func TestSort(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	mk := func(id, name, code string, level, minute int) Row {
		return Row{Enrollment: catalog.Enrollment{PersonID: id, At: t0.Add(time.Duration(minute) * time.Minute)},
			Person: staff.Person{ID: id, Name: name}, Agency: agency.Agency{Code: code, Level: level}}
	}
	rows := []Row{
		mk("p1", "蘇大為", "301010000C", 2, 1), // 蘇 20 strokes
		mk("p2", "王小明", "301020000B", 2, 3), // 王 4
		mk("p3", "林美玲", "301000000A", 1, 0), // 林 8
		mk("p4", "丁一", "301020000B", 2, 2),  // 丁 2
	}
	names := func() string {
		var out []string
		for _, r := range rows {
			out = append(out, r.Person.Name)
		}
		return strings.Join(out, ",")
	}
	for order, want := range map[string]string{
		"name":   "丁一,王小明,林美玲,蘇大為",
		"agency": "林美玲,蘇大為,丁一,王小明", // level 1 first; then by code; then stroke order
		"order":  "林美玲,蘇大為,丁一,王小明",
	} {
		Sort(rows, order)
		if got := names(); got != want {
			t.Errorf("sort %s = %s, want %s", order, got, want)
		}
	}
}

func TestSortByTwoKeys(t *testing.T) {
	mk := func(id, name, unit, code string, level int) Row {
		return Row{Enrollment: catalog.Enrollment{PersonID: id}, Person: staff.Person{ID: id, Name: name, Unit: unit},
			Agency: agency.Agency{Code: code, Level: level}}
	}
	rows := []Row{mk("a", "王五", "秘書室", "X2", 2), mk("b", "丁三", "人事室", "X2", 2), mk("c", "林四", "人事室", "X1", 1)}
	Sort(rows, "unit", "name") // 人(2 strokes) before 秘(10); within 人事室 丁 before 林
	if got := rows[0].Person.Name + rows[1].Person.Name + rows[2].Person.Name; got != "丁三林四王五" {
		t.Errorf("unit then name: %s", got)
	}
}
