package catalog

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

func TestRestriction(t *testing.T) {
	r, err := ParseRestriction("323000000A;323*; 301010000c ；")
	if err != nil {
		t.Fatal(err)
	}
	if r.String() != "323000000A;301010000C;323*" {
		t.Errorf("canonical %q", r.String())
	}
	for code, want := range map[string]bool{
		"323000000A": true, "323010000B": true, "301010000C": true, "301000000A": false, "32": false, "": false,
	} {
		if got := r.Allows(code); got != want {
			t.Errorf("Allows(%q) = %v, want %v", code, got, want)
		}
	}
	open, err := ParseRestriction("  ")
	if err != nil || !open.Open() || !open.Allows("379000000A") {
		t.Errorf("empty restriction: %v %v", open, err)
	}
	for _, bad := range []string{"32A*;;*", "323*;;", "*", "32A*", "3230000A", "323000000AA", "1234567890*", "323000000A*x"} {
		_, err := ParseRestriction(bad)
		if !errcode.Is(err, errcode.Invalid) || errcode.As(err).Field != "restriction" {
			t.Errorf("ParseRestriction(%q) = %v, want invalid restriction", bad, err)
		}
	}
}

func tables(t *testing.T) Tables {
	t.Helper()
	cats, err := codes.Default(codes.Categories)
	if err != nil {
		t.Fatal(err)
	}
	cities, err := codes.Default(codes.Cities)
	if err != nil {
		t.Fatal(err)
	}
	return Tables{Categories: cats, Cities: cities}
}

var now = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func good() CourseInput {
	return CourseInput{CourseCode: "moi-2026a", Session: "01", Name: "資訊安全研習班", Category: "3111", Nature: Physical,
		Method: Open, Start: "2026-12-10", End: "2026-12-11", Unit: UnitDay, Amount: 2, EnrollStart: "115/11/01",
		EnrollEnd: "2026-12-05", Capacity: 40, StopWhenFull: true, Fee: 0, Restriction: "323*",
		Survey: []string{"meals"}, Subjects: []string{"資訊安全", "資訊安全 ", ""}, Location: "臺北市中正區", City: "A"}
}

func TestCourseInputDerives(t *testing.T) {
	c, err := good().Class("301000000A", now, tables(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.CourseCode != "MOI-2026A" || c.Session != "1" || c.Year != 2026 || c.EnrollStart != "2026-11-01" {
		t.Errorf("keys and dates: %+v", c)
	}
	if c.Hours != 12 || c.PhysicalHours != 12 || c.DigitalHours != 0 {
		t.Errorf("2 days = %d certified hours (%d physical), want 12", c.Hours, c.PhysicalHours)
	}
	if len(c.Subjects) != 1 || len(c.Survey) != 1 || c.Survey[0].Key != "meals" || len(c.Survey[0].Options) == 0 {
		t.Errorf("subjects %q survey %+v", c.Subjects, c.Survey)
	}
	for _, tc := range []struct {
		unit   string
		amount float64
		want   int
	}{{UnitHour, 3, 3}, {UnitDay, 1, 6}, {UnitCredit, 2, 36}} {
		in := good()
		in.Unit, in.Amount = tc.unit, tc.amount
		c, err := in.Class("301000000A", now, tables(t))
		if err != nil || c.Hours != tc.want {
			t.Errorf("%v %s = %d h (%v), want %d", tc.amount, tc.unit, c.Hours, err, tc.want)
		}
	}
	// A four-digit year is AD whatever the separator: 2026/12/20 was read as
	// 民國 2026 (AD 3937), and the course could never be found.
	in := good()
	in.Start, in.End, in.EnrollEnd = "2026/12/20", "2026-12-21", "2026/12/1"
	if c, err := in.Class("301000000A", now, tables(t)); err != nil || c.Start != "2026-12-20" || c.EnrollEnd != "2026-12-01" || c.Year != 2026 {
		t.Errorf("AD dates with slashes: %+v %v", c, err)
	}
	in = good()
	in.Nature, in.DigitalHours, in.PhysicalHours = Blended, 4, 8
	if c, err := in.Class("301000000A", now, tables(t)); err != nil || c.DigitalHours != 4 || c.PhysicalHours != 8 {
		t.Errorf("blended: %+v %v", c, err)
	}
}

func TestCourseInputRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, field string
		edit        func(*CourseInput)
	}{
		{"decimal hours", "amount", func(in *CourseInput) { in.Amount = 2.5 }},
		{"zero hours", "amount", func(in *CourseInput) { in.Amount = 0 }},
		{"past year", "start", func(in *CourseInput) {
			in.Start, in.End, in.EnrollStart, in.EnrollEnd = "2025-12-01", "2025-12-02", "", ""
		}},
		{"end before start", "end", func(in *CourseInput) { in.End = "2026-12-09" }},
		{"impossible date", "start", func(in *CourseInput) { in.Start = "115/02/30" }},
		{"a date after AD 2200", "end", func(in *CourseInput) { in.End = "8089/01/01" }},
		{"a five-digit year", "end", func(in *CourseInput) { in.End = "10000-01-01" }},
		{"unknown category", "category", func(in *CourseInput) { in.Category = "999" }},
		{"no category", "category", func(in *CourseInput) { in.Category = "" }},
		{"malformed restriction", "restriction", func(in *CourseInput) { in.Restriction = "32A*;;*" }},
		{"capacity 0 with stop when full", "capacity", func(in *CourseInput) { in.Capacity = 0 }},
		{"decimal capacity", "capacity", func(in *CourseInput) { in.Capacity = 10.5 }},
		{"negative fee", "fee", func(in *CourseInput) { in.Fee = -1 }},
		{"unit", "unit", func(in *CourseInput) { in.Unit = "week" }},
		{"nature", "nature", func(in *CourseInput) { in.Nature = "" }},
		{"blended without both hours", "physicalHours", func(in *CourseInput) { in.Nature, in.DigitalHours = Blended, 6 }},
		{"blended hours not adding up", "physicalHours", func(in *CourseInput) { in.Nature, in.DigitalHours, in.PhysicalHours = Blended, 6, 3 }},
		{"method", "method", func(in *CourseInput) { in.Method = "lottery" }},
		{"no enrollment window", "enrollStart", func(in *CourseInput) { in.EnrollStart = "" }},
		{"enrollment ends before it starts", "enrollEnd", func(in *CourseInput) { in.EnrollEnd = "2026-10-01" }},
		{"enrollment ends after the course", "enrollEnd", func(in *CourseInput) { in.EnrollEnd = "2026-12-20" }},
		{"go-live after enrollment end", "goLive", func(in *CourseInput) { in.GoLive = "2026-12-06T09:00:00+08:00" }},
		{"bad go-live", "goLive", func(in *CourseInput) { in.GoLive = "tomorrow" }},
		{"bad code", "courseCode", func(in *CourseInput) { in.CourseCode = "課程1" }},
		{"bad session", "session", func(in *CourseInput) { in.Session = "第一期" }},
		{"zero session", "session", func(in *CourseInput) { in.Session = "00" }},
		{"no name", "name", func(in *CourseInput) { in.Name = "  " }},
		{"long name", "name", func(in *CourseInput) { in.Name = strings.Repeat("課", 101) }},
		{"name with newline", "name", func(in *CourseInput) { in.Name = "a\nb" }},
		{"unknown survey", "survey", func(in *CourseInput) { in.Survey = []string{"parking"} }},
		{"unknown city", "city", func(in *CourseInput) { in.City = "Y" }},
		{"physical without location", "location", func(in *CourseInput) { in.Location = "" }},
		{"typed lecturer without name", "lecturers", func(in *CourseInput) { in.Lecturers = []LecturerRef{{Name: " "}} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := good()
			tc.edit(&in)
			_, err := in.Class("301000000A", now, tables(t))
			e := errcode.As(err)
			if err == nil || e.Code != errcode.Invalid || e.Field != tc.field || e.Message == "" {
				t.Errorf("got %v (field %q), want invalid_input on %s", err, e.Field, tc.field)
			}
		})
	}
	// An offline course needs no enrollment dates; a digital one no location.
	in := good()
	in.Method, in.EnrollStart, in.EnrollEnd, in.Nature, in.Location = Offline, "", "", Digital, ""
	if _, err := in.Class("301000000A", now, tables(t)); err != nil {
		t.Errorf("offline digital course: %v", err)
	}
}

func TestVisibility(t *testing.T) {
	c := Class{End: "2026-12-11", EnrollEnd: "2026-12-05"}
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, tc := range []struct {
		goLive, status, now, want string
	}{
		{"", "", "2026-11-27T10:00:00+08:00", Online},
		{"2026-11-28T01:00:00Z", "", "2026-11-27T10:00:00+08:00", Scheduled},
		{"2026-11-28T01:00:00Z", "", "2026-11-28T09:00:01+08:00", Online},
		{"", "", "2026-12-05T23:59:00+08:00", Online},
		{"", "", "2026-12-06T00:00:00+08:00", Closed}, // Taipei midnight, still Dec 5 in UTC
		{"", Cancelled, "2026-11-27T10:00:00+08:00", Withdrawn},
	} {
		c.GoLive, c.Status = tc.goLive, tc.status
		if got := c.Visibility(at(tc.now)); got != tc.want {
			t.Errorf("go-live %q status %q at %s: %s, want %s", tc.goLive, tc.status, tc.now, got, tc.want)
		}
	}
}

func TestLecturerInput(t *testing.T) {
	exp, err := codes.Default(codes.Expertise)
	if err != nil {
		t.Fatal(err)
	}
	ok := LecturerInput{Name: "王大明", Subjects: []string{"資訊安全"}, Expertise: []string{"E08"}, NationalID: "a123456789"}
	if l, err := ok.Lecturer(exp); err != nil || l.NationalID != "A123456789" {
		t.Fatalf("%+v %v", l, err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*LecturerInput)
	}{
		{"name", func(in *LecturerInput) { in.Name = "" }},
		{"subjects", func(in *LecturerInput) { in.Subjects = []string{"", " "} }},
		{"expertise", func(in *LecturerInput) { in.Expertise = []string{"E99"} }},
		{"nationalId", func(in *LecturerInput) { in.NationalID = "A123456788" }},
		{"email", func(in *LecturerInput) { in.Email = "nobody" }},
		{"phone", func(in *LecturerInput) { in.Phone = "call me" }},
	} {
		in := ok
		tc.edit(&in)
		if _, err := in.Lecturer(exp); errcode.As(err).Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

func TestMaterialInput(t *testing.T) {
	cats, _ := codes.Default(codes.Categories)
	ok := MaterialInput{Name: "資安數位課程", Category: "311", Hours: 2, URL: "https://elearn.hrd.gov.tw/x", Published: "115/11/01"}
	if m, err := ok.Material(cats); err != nil || m.Published != "2026-11-01" {
		t.Fatalf("%+v %v", m, err)
	}
	for _, tc := range []struct {
		field string
		edit  func(*MaterialInput)
	}{
		{"name", func(in *MaterialInput) { in.Name = "" }},
		{"category", func(in *MaterialInput) { in.Category = "9" }},
		{"hours", func(in *MaterialInput) { in.Hours = 1.5 }},
		{"url", func(in *MaterialInput) { in.URL = "javascript:alert(1)" }},
		{"published", func(in *MaterialInput) { in.Published = "" }},
	} {
		in := ok
		tc.edit(&in)
		if _, err := in.Material(cats); errcode.As(err).Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
}

// An empty course form is answered with every required field's error at
// once (issue 15), not one at a time.
func TestEmptyCourseReportsEveryField(t *testing.T) {
	_, err := CourseInput{}.Class("301000000A", now, tables(t))
	e := errcode.As(err)
	if e.Code != errcode.Invalid {
		t.Fatalf("code %s", e.Code)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Field] = true
	}
	for _, want := range []string{"courseCode", "session", "name", "category", "start", "end", "unit", "amount", "nature", "method", "location"} {
		if !got[want] {
			t.Errorf("no error for %s; fields %v", want, e.Fields)
		}
	}
	if e.Field != e.Fields[0].Field || !strings.Contains(e.Message, e.Fields[0].Message) {
		t.Errorf("the first field leads: %+v", e)
	}
	// One bad field alone is still reported as before (field + message, no list).
	in := good()
	in.Location = ""
	e = errcode.As(func() error { _, err := in.Class("301000000A", now, tables(t)); return err }())
	if e.Field != "location" || len(e.Fields) != 0 {
		t.Errorf("one error: %+v", e)
	}
}

// One reading of units for the course form and every upload (it had three copies).
func TestUnitOf(t *testing.T) {
	for in, want := range map[string]int{"hour": 1, "1": 1, "小時": 1, "時": 1, "day": 6, " 2 ": 6, "天": 6, "日": 6,
		"credit": 18, "3": 18, "學分": 18, "": 0, "4": 0, "週": 0} {
		_, per, ok := UnitOf(in)
		if per != want || ok != (want > 0) {
			t.Errorf("UnitOf(%q) = %d, %v; want %d", in, per, ok, want)
		}
	}
}

// The units the course form shows and computes with (GET /api/codes/units)
// are the ones UnitOf reads, by code and by name, with the same hours.
func TestUnitsServedAreTheRule(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/codes/units", nil)
	r.SetPathValue("table", UnitsTable)
	w := httptest.NewRecorder()
	if err := (&Server{}).handleCodes()(w, r); err != nil {
		t.Fatal(err)
	}
	var got struct{ Entries []Unit }
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("%s: %v", w.Body, err)
	}
	if len(got.Entries) != 3 {
		t.Fatalf("units served: %+v", got.Entries)
	}
	for _, u := range got.Entries {
		for _, s := range []string{u.Code, u.Name} {
			code, per, ok := UnitOf(s)
			if !ok || code != u.Code || per != u.Hours {
				t.Errorf("served %+v, but UnitOf(%q) = %s, %d, %v", u, s, code, per, ok)
			}
		}
	}
}
