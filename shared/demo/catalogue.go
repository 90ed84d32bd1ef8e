package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// fillClass gives a generated class what an officer fills in on the course
// form (L2), derived from what is already drawn, without new random draws.
func fillClass(c *catalog.Class, start time.Time, days int) {
	c.Unit, c.Amount = catalog.UnitDay, days
	switch c.Nature {
	case catalog.Digital:
		c.DigitalHours = c.Hours
	case catalog.Physical:
		c.PhysicalHours = c.Hours
	case catalog.Blended:
		c.DigitalHours = 3
		c.PhysicalHours = c.Hours - 3
	}
	if c.Method != catalog.Offline {
		c.EnrollStart = start.AddDate(0, 0, -30).Format(time.DateOnly)
		c.EnrollEnd = start.AddDate(0, 0, -3).Format(time.DateOnly)
	}
	c.Subjects = []string{c.Name}
	c.Created = start.AddDate(0, 0, -45).Add(time.Duration(len(c.CourseCode)+days) * time.Hour)
	c.Updated = c.Created
}

// SubjectNames is the demo subject list (the course topics and more).
var SubjectNames = append(append([]string{}, courseTopics...),
	"資訊安全", "資料治理", "行政程序法", "採購法規", "英語簡報", "情緒管理", "領導統御", "專案管理", "生成式AI應用", "政府會計")

// Subjects returns the demo subject list.
func Subjects(now time.Time) []catalog.Subject {
	out := make([]catalog.Subject, len(SubjectNames))
	for i, n := range SubjectNames {
		out[i] = catalog.Subject{Key: ngram.Normalize(n), Name: n, Agency: DGPA, Created: now}
	}
	return out
}

var lecturerTitles = []string{"大學教授", "副教授", "資深顧問", "律師", "會計師", "研究員", "退休主管", "講座"}

// Lecturers generates n lecturers over the agencies (two in three public),
// after four fixed ones the tests and the demo rely on: 王大明 (MOI, public),
// 李小華 (MOI, private), 陳美玲 (TPE, public), 林志強 (TPE, private).
func Lecturers(r *rand.Rand, tree []agency.Agency, n int, now time.Time) []catalog.Lecturer {
	names := map[string]string{}
	for _, a := range tree {
		names[a.Code] = a.Name
	}
	mk := func(i int, code, name string, public bool, subjects ...string) catalog.Lecturer {
		at := now.Add(-time.Duration(i+1) * time.Hour).UTC()
		return catalog.Lecturer{ID: fmt.Sprintf("demo%05d", i), Agency: code, AgencyName: names[code], Name: name,
			Title: lecturerTitles[i%len(lecturerTitles)], Subjects: subjects, Public: public, Expertise: []string{fmt.Sprintf("E%02d", 1+i%16)},
			Private: catalog.Private{Phone: fmt.Sprintf("02-2%03d-%04d", i%1000, i), Email: fmt.Sprintf("lecturer%d@example.gov.tw", i),
				Address: "臺北市中正區重慶南路一段 " + fmt.Sprint(1+i%120) + " 號"},
			Created: at, Updated: at}
	}
	out := []catalog.Lecturer{
		mk(0, MOI, "王大明", true, "資訊安全", "數位治理實務"),
		mk(1, MOI, "李小華", false, "公文寫作"),
		mk(2, TPE, "陳美玲", true, "性別平等與性別主流化"),
		mk(3, TPE, "林志強", false, "政策溝通"),
	}
	for i := len(out); i < n; i++ {
		a := tree[r.IntN(len(tree))]
		name := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))]) + string(given[r.IntN(len(given))])
		subj := []string{SubjectNames[r.IntN(len(SubjectNames))]}
		if r.IntN(2) == 0 {
			subj = append(subj, SubjectNames[r.IntN(len(SubjectNames))])
		}
		if len(subj) == 2 && subj[0] == subj[1] {
			subj = subj[:1]
		}
		out = append(out, mk(i, a.Code, name, r.IntN(3) != 0, subj...))
	}
	return out
}

// Materials generates n digital materials after two fixed ones (MOI, TPE).
func Materials(r *rand.Rand, tree []agency.Agency, n int, now time.Time) []catalog.Material {
	names := map[string]string{}
	for _, a := range tree {
		names[a.Code] = a.Name
	}
	mk := func(i int, code, name, cat string) catalog.Material {
		at := now.Add(-time.Duration(i+1) * time.Hour).UTC()
		return catalog.Material{ID: fmt.Sprintf("demo%05d", i), Agency: code, AgencyName: names[code], Name: name,
			Category: cat, Hours: 1 + i%3, URL: fmt.Sprintf("https://elearn.hrd.gov.tw/demo/%d", i),
			Published: roc.Day(now).AddDate(0, 0, -i).Format(time.DateOnly), Audience: "全體公務人員",
			Summary: "示範用數位教材。", Created: at, Updated: at}
	}
	out := []catalog.Material{mk(0, MOI, "戶政資訊安全數位課程", "311"), mk(1, TPE, "市政性別平等線上課程", "132")}
	for i := len(out); i < n; i++ {
		c := CourseCategories[r.IntN(len(CourseCategories))]
		out = append(out, mk(i, tree[r.IntN(len(tree))].Code, courseTopics[r.IntN(len(courseTopics))]+"（數位版）", c.Code))
	}
	return out
}
