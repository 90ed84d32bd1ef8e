package catalog

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// CourseInput is a course as the officer fills it in (L2). Numbers arrive as
// JSON numbers; they are float64 here so that 2.5 hours is told "whole
// numbers only" rather than "wrong type".
type CourseInput struct {
	CourseCode    string        `json:"courseCode" max:"id"`
	Session       string        `json:"session" max:"id"`
	Name          string        `json:"name"`
	Category      string        `json:"category"`
	Nature        string        `json:"nature"`
	Method        string        `json:"method"`
	Start         string        `json:"start"`
	End           string        `json:"end"`
	Unit          string        `json:"unit"`
	Amount        float64       `json:"amount"`
	DigitalHours  float64       `json:"digitalHours"`
	PhysicalHours float64       `json:"physicalHours"`
	EnrollStart   string        `json:"enrollStart"`
	EnrollEnd     string        `json:"enrollEnd"`
	GoLive        string        `json:"goLive"`
	Capacity      float64       `json:"capacity"`
	StopWhenFull  bool          `json:"stopWhenFull"`
	Fee           float64       `json:"fee"`
	Restriction   string        `json:"restriction" max:"2000"`
	Survey        []string      `json:"survey"`
	Subjects      []string      `json:"subjects"`
	Lecturers     []LecturerRef `json:"lecturers"` // id "" = typed in: found or added
	Location      string        `json:"location"`
	City          string        `json:"city"`
	Updated       time.Time     `json:"updated"` // on edit: the version that was read
}

var (
	courseCodeRe = regexp.MustCompile(`^[A-Za-z0-9-]{2,30}$`)
	sessionRe    = regexp.MustCompile(`^[0-9]{1,4}$`)
)

// Limits of free text.
const (
	maxName     = 100
	maxSubjects = 20
	maxLectures = 20
)

// Whole reads an amount that arrived as a JSON number: a whole number from lo
// to hi, else a field error naming label.
func Whole(field, label string, v float64, lo, hi int) (int, error) {
	if v != math.Trunc(v) {
		return 0, errcode.Field(field, label+"只接受整數，不接受小數。")
	}
	if v < float64(lo) || v > float64(hi) {
		return 0, errcode.Field(field, fmt.Sprintf("%s須介於 %d 到 %d 之間。", label, lo, hi))
	}
	return int(v), nil
}

// date reads an ISO (2026-03-01) or ROC (115/03/01) date, returning ISO.
func date(field, label, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", errcode.Field(field, "請填寫"+label+"。")
		}
		return "", nil
	}
	t, err := roc.Parse(s)
	if err != nil {
		return "", errcode.Field(field, label+"："+err.Error())
	}
	return t.Format(time.DateOnly), nil
}

func text(field, label, s string, required bool, max int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		return "", errcode.Field(field, "請填寫"+label+"。")
	}
	if utf8.RuneCountInString(s) > max {
		return "", errcode.Field(field, fmt.Sprintf("%s不可超過 %d 字。", label, max))
	}
	if strings.ContainsAny(s, "\x00\r\n\t") {
		return "", errcode.Field(field, label+"不可含有換行或控制字元。")
	}
	return s, nil
}

// Tables are the code tables a course is checked against.
type Tables struct{ Categories, Cities *codes.Table }

// Class checks the input against every rule of L2 and returns the class of
// agency it describes. now decides "this year or later" (Taipei). Every
// field is checked, and every field at fault is reported at once (a rule
// that compares two fields is skipped while either is already wrong).
func (in CourseInput) Class(agencyCode string, now time.Time, t Tables) (Class, error) {
	var c Class
	var err error
	var bad errcode.Fields
	c.Agency = agencyCode
	c.CourseCode = strings.ToUpper(strings.TrimSpace(in.CourseCode))
	if !courseCodeRe.MatchString(c.CourseCode) {
		bad.Add(errcode.Field("courseCode", "課程代碼須為 2 到 30 個英文字母、數字或連字號。"))
	}
	c.Session = strings.TrimLeft(strings.TrimSpace(in.Session), "0")
	if !sessionRe.MatchString(strings.TrimSpace(in.Session)) || c.Session == "" {
		bad.Add(errcode.Field("session", "期別須為 1 到 4 位數字，例如 1。"))
	}
	c.Name, err = text("name", "課程名稱", in.Name, true, maxName)
	bad.Add(err)
	c.Category = strings.TrimSpace(in.Category)
	if c.Category == "" {
		bad.Add(errcode.Field("category", "請選擇課程類別。"))
	} else if _, ok := t.Categories.Lookup(c.Category); !ok {
		bad.Add(errcode.Field("category", fmt.Sprintf("課程類別代碼 %s 不在類別代碼表中。", c.Category)))
	}
	c.Start, err = date("start", "課程開始日期", in.Start, true)
	startOK := bad.Add(err)
	c.End, err = date("end", "課程結束日期", in.End, true)
	endOK := bad.Add(err)
	if startOK && endOK && c.End < c.Start {
		endOK = bad.Add(errcode.Field("end", "課程結束日期不可早於開始日期。"))
	}
	if startOK {
		c.Year = atoiYear(c.Start)
		if this := roc.Year(now); c.Year < this {
			bad.Add(errcode.Field("start", fmt.Sprintf("只能新增當年度（民國 %d 年）以後的課程。", this-1911)))
		}
	}

	// Hours: a whole number of hours, days or credits, certified as hours.
	unit, per, unitOK := UnitOf(in.Unit)
	c.Unit = unit
	if !unitOK {
		bad.Add(errcode.Field("unit", "請選擇認證單位：小時、天或學分。"))
	}
	c.Amount, err = Whole("amount", "時數(學分)", in.Amount, 1, 9999)
	hoursOK := bad.Add(err) && unitOK
	c.Hours = c.Amount * per
	switch c.Nature = in.Nature; c.Nature {
	case Digital:
		c.DigitalHours = c.Hours
	case Physical:
		c.PhysicalHours = c.Hours
	case Blended:
		hi := c.Hours
		if !hoursOK {
			hi = 9999 * 18
		}
		c.DigitalHours, err = Whole("digitalHours", "數位時數", in.DigitalHours, 1, hi)
		dOK := bad.Add(err)
		c.PhysicalHours, err = Whole("physicalHours", "實體時數", in.PhysicalHours, 1, hi)
		pOK := bad.Add(err)
		if hoursOK && dOK && pOK && c.DigitalHours+c.PhysicalHours != c.Hours {
			bad.Add(errcode.Field("physicalHours", fmt.Sprintf("混成課程的數位時數加實體時數（%d + %d）須等於認證時數 %d 小時。",
				c.DigitalHours, c.PhysicalHours, c.Hours)))
		}
	default:
		bad.Add(errcode.Field("nature", "請選擇課程性質：數位、實體或混成。"))
	}

	// Enrollment: method, window and go-live.
	methodOK := true
	switch c.Method = in.Method; c.Method {
	case Nominated, Open, Offline:
	default:
		methodOK = bad.Add(errcode.Field("method", "請選擇報名方式：機關薦送、自由報名或不開放線上報名。"))
	}
	c.EnrollStart, err = date("enrollStart", "報名開始日期", in.EnrollStart, methodOK && c.Method != Offline)
	esOK := bad.Add(err)
	c.EnrollEnd, err = date("enrollEnd", "報名結束日期", in.EnrollEnd, methodOK && (c.Method != Offline || c.EnrollStart != ""))
	eeOK := bad.Add(err)
	switch {
	case !esOK || !eeOK:
	case c.EnrollStart == "" && c.EnrollEnd != "":
		esOK = bad.Add(errcode.Field("enrollStart", "請填寫報名開始日期。"))
	case c.EnrollEnd != "" && c.EnrollEnd < c.EnrollStart:
		eeOK = bad.Add(errcode.Field("enrollEnd", "報名結束日期不可早於報名開始日期。"))
	case endOK && c.EnrollEnd > c.End:
		eeOK = bad.Add(errcode.Field("enrollEnd", "報名結束日期不可晚於課程結束日期。"))
	}
	if g := strings.TrimSpace(in.GoLive); g != "" {
		at, err := time.Parse(time.RFC3339, g)
		switch {
		case err != nil:
			bad.Add(errcode.Field("goLive", "上線時間格式錯誤。"))
		case esOK && eeOK && endOK && roc.Today(at) > c.lastVisibleDay():
			bad.Add(errcode.Field("goLive", "上線時間不可晚於報名結束日期。"))
		default:
			c.GoLive = at.UTC().Format(time.RFC3339)
		}
	}

	c.Capacity, err = Whole("capacity", "招收名額", in.Capacity, 0, 100000)
	capOK := bad.Add(err)
	c.StopWhenFull = in.StopWhenFull
	if capOK && c.StopWhenFull && c.Capacity == 0 {
		bad.Add(errcode.Field("capacity", "勾選「額滿不再接受報名」時，招收名額須大於 0。"))
	}
	c.Fee, err = Whole("fee", "學習費用", in.Fee, 0, 10000000)
	bad.Add(err)
	if r, err := ParseRestriction(in.Restriction); bad.Add(err) {
		c.Restriction = r.String()
	}

	for _, key := range in.Survey {
		q, ok := surveyQuestion(key)
		if !ok {
			bad.Add(errcode.Field("survey", fmt.Sprintf("沒有「%s」這項特殊調查。", key)))
			break
		}
		if !HasQuestion(c.Survey, key) {
			c.Survey = append(c.Survey, q)
		}
	}
	c.Subjects, err = names("subjects", "科目", in.Subjects, maxSubjects)
	bad.Add(err)
	if len(in.Lecturers) > maxLectures {
		bad.Add(errcode.Field("lecturers", fmt.Sprintf("講師最多 %d 位。", maxLectures)))
	} else {
		for i, l := range in.Lecturers {
			name, err := text("lecturers", fmt.Sprintf("第 %d 位講師姓名", i+1), l.Name, true, 50)
			if !bad.Add(err) {
				break
			}
			c.Lecturers = append(c.Lecturers, LecturerRef{ID: strings.TrimSpace(l.ID), Name: name})
		}
	}
	c.Location, err = text("location", "上課地點", in.Location, c.Nature != Digital, maxName)
	bad.Add(err)
	if c.City = strings.TrimSpace(in.City); c.City != "" {
		if _, ok := t.Cities.Lookup(c.City); !ok {
			bad.Add(errcode.Field("city", fmt.Sprintf("上課縣市代碼 %s 不在縣市代碼表中。", c.City)))
		}
	}
	return c, bad.Err()
}

func atoiYear(iso string) int {
	y := 0
	for _, r := range iso[:4] {
		y = y*10 + int(r-'0')
	}
	return y
}

func surveyQuestion(key string) (Question, bool) {
	for _, q := range SurveyQuestions {
		if q.Key == key {
			return q, true
		}
	}
	return Question{}, false
}

// HasQuestion reports whether the survey qs asks the question key.
func HasQuestion(qs []Question, key string) bool {
	for _, q := range qs {
		if q.Key == key {
			return true
		}
	}
	return false
}

// names trims, drops empties and duplicates (by normalised form) of a list of names.
func names(field, label string, in []string, max int) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, s := range in {
		s, err := text(field, label, s, false, 50)
		if err != nil {
			return nil, err
		}
		k := normalize(s)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	if len(out) > max {
		return nil, errcode.Field(field, fmt.Sprintf("%s最多 %d 個。", label, max))
	}
	return out, nil
}
