// Package catalog is the course catalogue: classes (a course code + session,
// 課程代碼 + 期別, L2) and their enrollments, subjects, lecturers (L3, L4) and
// digital materials (L7). Keys and access patterns: shared/store/README.md.
package catalog

import (
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/roc"
)

// Enrollment statuses.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)

// HoldsSeat reports whether an enrollment of this status holds a seat:
// pending or approved, what L5 shows as 已報名 and R2 counts as 報名人數
// (a rejected one does not; a withdrawn one is deleted).
func HoldsSeat(status string) bool { return status == Pending || status == Approved }

// Hour units (認證單位) and what one unit certifies.
const (
	UnitHour   = "hour"
	UnitDay    = "day"
	UnitCredit = "credit"
)

// Unit is an hour unit as the course form shows it.
type Unit struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Hours int    `json:"hours"` // the certified hours of one unit
}

// Units are the hour units in the form's order: a day is 6 h, a credit 18 h.
// With UnitOf they are the one unit rule: the course form reads them from
// GET /api/codes/units (UnitsTable) and keeps no copy.
var Units = []Unit{{UnitHour, "小時", 1}, {UnitDay, "天", 6}, {UnitCredit, "學分", 18}}

// UnitsTable is the name Units are served under, beside the code tables.
const UnitsTable = "units"

// unitNames are the ways forms and uploaded files name a unit.
var unitNames = map[string]string{
	UnitHour: UnitHour, "1": UnitHour, "小時": UnitHour, "時": UnitHour,
	UnitDay: UnitDay, "2": UnitDay, "天": UnitDay, "日": UnitDay,
	UnitCredit: UnitCredit, "3": UnitCredit, "學分": UnitCredit,
}

// UnitOf is the one reading of a unit as forms and files write it (hour,
// 1, 小時, 時; day, 2, 天, 日; credit, 3, 學分), and its certified hours per
// unit; ok is false for anything else.
func UnitOf(s string) (unit string, perUnit int, ok bool) {
	unit, ok = unitNames[strings.TrimSpace(s)]
	for _, u := range Units {
		if u.Code == unit {
			perUnit = u.Hours
		}
	}
	return unit, perUnit, ok
}

// Natures (課程性質).
const (
	Digital  = "digital"
	Physical = "physical"
	Blended  = "blended"
)

// Enrollment methods (報名方式).
const (
	Nominated = "nominated" // 機關薦送: personnel officers nominate, no online enrollment
	Open      = "open"      // 自由報名
	Offline   = "offline"   // 不開放線上報名
)

// NatureNames and MethodNames are how officers read them.
var (
	NatureNames = map[string]string{Digital: "數位", Physical: "實體", Blended: "混成"}
	MethodNames = map[string]string{Nominated: "機關薦送", Open: "自由報名", Offline: "不開放線上報名"}
)

// Class statuses.
const (
	Active    = ""          // the default: running as planned
	Cancelled = "cancelled" // 已停辦: kept (it may have enrollments), never visible
)

// Front-stage visibility of a class, derived from its dates.
const (
	Scheduled = "scheduled" // before its go-live time
	Online    = "online"    // visible on the front stage
	Closed    = "offline"   // enrollment ended: invisible on the front stage
	Withdrawn = "cancelled" // cancelled
)

// Question is one special-survey question (特殊調查) learners must answer.
type Question struct {
	Key     string   `dynamo:"key" json:"key"`
	Label   string   `dynamo:"label" json:"label"`
	Options []string `dynamo:"options" json:"options"`
}

// SurveyQuestions are the questions a course may ask, by key.
var SurveyQuestions = []Question{
	{Key: "accommodation", Label: "住宿需求", Options: []string{"需要住宿", "不需要住宿"}},
	{Key: "meals", Label: "飲食需求", Options: []string{"葷食", "素食", "不用餐"}},
}

// LecturerRef is a lecturer as a class names them.
type LecturerRef struct {
	ID   string `dynamo:"id" json:"id" max:"id"`
	Name string `dynamo:"name" json:"name"`
}

// Class is one session of a course.
type Class struct {
	CourseCode    string        `dynamo:"courseCode" json:"courseCode"`
	Session       string        `dynamo:"session" json:"session"`
	Name          string        `dynamo:"name" json:"name"`
	Agency        string        `dynamo:"agency" json:"agency"`     // the organising agency
	Category      string        `dynamo:"category" json:"category"` // course category code
	Nature        string        `dynamo:"nature" json:"nature"`     // digital / physical / blended
	Method        string        `dynamo:"method" json:"method"`     // nominated / open / offline
	Start         string        `dynamo:"start" json:"start"`       // ISO date
	End           string        `dynamo:"end" json:"end"`           // ISO date
	Unit          string        `dynamo:"unit,omitempty" json:"unit"`
	Amount        int           `dynamo:"amount,omitempty" json:"amount"`               // in Unit
	Hours         int           `dynamo:"hours" json:"hours"`                           // certified hours
	DigitalHours  int           `dynamo:"digitalHours,omitempty" json:"digitalHours"`   // of Hours
	PhysicalHours int           `dynamo:"physicalHours,omitempty" json:"physicalHours"` // of Hours
	EnrollStart   string        `dynamo:"enrollStart,omitempty" json:"enrollStart,omitempty"`
	EnrollEnd     string        `dynamo:"enrollEnd,omitempty" json:"enrollEnd,omitempty"`
	GoLive        string        `dynamo:"goLive,omitempty" json:"goLive,omitempty"` // RFC 3339 UTC; "" = at once
	Capacity      int           `dynamo:"capacity" json:"capacity"`
	StopWhenFull  bool          `dynamo:"stopWhenFull,omitempty" json:"stopWhenFull"`
	Fee           int           `dynamo:"fee,omitempty" json:"fee"`
	Restriction   string        `dynamo:"restriction,omitempty" json:"restriction"`
	Survey        []Question    `dynamo:"survey,omitempty" json:"survey"`
	Subjects      []string      `dynamo:"subjects,omitempty" json:"subjects"`
	Lecturers     []LecturerRef `dynamo:"lecturers,omitempty" json:"lecturers"`
	Location      string        `dynamo:"location" json:"location"`
	City          string        `dynamo:"city,omitempty" json:"city,omitempty"`
	Year          int           `dynamo:"year" json:"year"`
	Status        string        `dynamo:"status,omitempty" json:"status"`
	// Enrollments holding a seat (X5). Not an attribute of the class item: it
	// lives on the class's seat item (SeatsKeyed), which no index projects,
	// so an enrollment does not rewrite the class into its three indexes;
	// Repo's reads fill it in.
	Enrolled  int       `dynamo:"-" json:"enrolled"`
	Created   time.Time `dynamo:"created,omitempty" json:"created"`
	Updated   time.Time `dynamo:"updated,omitempty" json:"updated"`
	ImportJob string    `dynamo:"importJob,omitempty" json:"-"` // the bulk upload that created it
}

// Key names the class: course code + session.
func (c Class) Key() string { return ClassKey(c.CourseCode, c.Session) }

// ClassKey is the partition key of a class and its enrollments.
func ClassKey(code, session string) string { return "CLASS#" + code + "#" + session }

// lastVisibleDay is the last Taipei day the class shows on the front stage.
func (c Class) lastVisibleDay() string {
	if c.EnrollEnd != "" {
		return c.EnrollEnd
	}
	return c.End
}

// Visibility is the class's front-stage state at now: cancelled; scheduled
// before its go-live time; offline after its enrollment end (or, without
// enrollment dates, after its last day); online otherwise.
func (c Class) Visibility(now time.Time) string {
	switch {
	case c.Status == Cancelled:
		return Withdrawn
	case c.GoLive != "" && now.UTC().Format(time.RFC3339) < c.GoLive:
		return Scheduled
	case roc.Today(now) > c.lastVisibleDay():
		return Closed
	}
	return Online
}

// Enrollment is one learner's enrollment in a class.
type Enrollment struct {
	CourseCode string    `dynamo:"courseCode" json:"courseCode"`
	Session    string    `dynamo:"session" json:"session"`
	PersonID   string    `dynamo:"personId" json:"personId"`
	Agency     string    `dynamo:"agency" json:"agency"` // the learner's agency
	Status     string    `dynamo:"status" json:"status"`
	At         time.Time `dynamo:"at" json:"at"`
	Reason     string    `dynamo:"reason,omitempty" json:"reason,omitempty"`
	// Answers to the class's special-survey questions, by question key.
	Answers     map[string]string `dynamo:"answers,omitempty" json:"answers,omitempty"`
	NominatedBy string            `dynamo:"nominatedBy,omitempty" json:"nominatedBy,omitempty"` // P3: the nominating agency
	Job         string            `dynamo:"job,omitempty" json:"-"`                             // the nomination upload
	Decided     time.Time         `dynamo:"decided,omitempty" json:"decided,omitzero"`
	DecidedBy   string            `dynamo:"decidedBy,omitempty" json:"decidedBy,omitempty"`
}

// EnrollmentKeyed returns the item of an enrollment.
func EnrollmentKeyed(e Enrollment) any { return enrollmentKeyed(e) }

func enrollmentKeyed(e Enrollment) enrollmentItem {
	it := enrollmentItem{PK: ClassKey(e.CourseCode, e.Session), SK: "ENR#" + e.PersonID, Enrollment: e}
	if e.NominatedBy != "" {
		it.GSI1PK = "NOMS#" + e.NominatedBy
		it.GSI1SK = e.At.UTC().Format(time.RFC3339Nano) + "#" + it.PK + "#" + e.PersonID
	}
	return it
}

type enrollmentItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk,omitempty"` // NOMS#<nominating agency> (P3 query)
	GSI1SK string `dynamo:"gsi1sk,omitempty"`
	Enrollment
}
