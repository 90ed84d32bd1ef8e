// Package catalog holds classes (a course code + session, 課程代碼 + 期別) and
// their enrollments, as far as the platform needs them today: the demo data
// and the course-end roster transfer. Course maintenance (L2) and enrollment
// (L5, X5) build on these keys.
package catalog

import (
	"errors"

	"context"
	"fmt"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"time"

	"github.com/guregu/dynamo/v2"
)

// Enrollment statuses.
const (
	Pending  = "pending"
	Approved = "approved"
	Rejected = "rejected"
)

// Class is one session of a course.
type Class struct {
	CourseCode string `dynamo:"courseCode" json:"courseCode"`
	Session    string `dynamo:"session" json:"session"`
	Name       string `dynamo:"name" json:"name"`
	Agency     string `dynamo:"agency" json:"agency"`     // the organising agency
	Category   string `dynamo:"category" json:"category"` // course category code
	Nature     string `dynamo:"nature" json:"nature"`     // digital / physical / blended
	Method     string `dynamo:"method" json:"method"`     // nominated / open / offline
	Start      string `dynamo:"start" json:"start"`       // ISO date
	End        string `dynamo:"end" json:"end"`           // ISO date
	Hours      int    `dynamo:"hours" json:"hours"`       // certified hours
	Capacity   int    `dynamo:"capacity" json:"capacity"`
	Location   string `dynamo:"location" json:"location"`
	Year       int    `dynamo:"year" json:"year"`
}

// Key names the class: course code + session.
func (c Class) Key() string { return "CLASS#" + c.CourseCode + "#" + c.Session }

// Enrollment is one learner's enrollment in a class.
type Enrollment struct {
	CourseCode string    `dynamo:"courseCode" json:"courseCode"`
	Session    string    `dynamo:"session" json:"session"`
	PersonID   string    `dynamo:"personId" json:"personId"`
	Agency     string    `dynamo:"agency" json:"agency"` // the learner's agency
	Status     string    `dynamo:"status" json:"status"`
	At         time.Time `dynamo:"at" json:"at"`
	Reason     string    `dynamo:"reason,omitempty" json:"reason,omitempty"`
}

type classItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	GSI2PK string `dynamo:"gsi2pk"`
	GSI2SK string `dynamo:"gsi2sk"`
	Class
}

type enrollmentItem struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Enrollment
}

// ClassKeyed returns the item of a class with its index keys.
func ClassKeyed(c Class) any {
	return classItem{PK: c.Key(), SK: "CLASS", GSI1PK: "CLASSEND#" + c.End, GSI1SK: c.Key(),
		GSI2PK: fmt.Sprintf("AGENCYCLASSES#%s#%d", c.Agency, c.Year), GSI2SK: c.Start + "#" + c.Key(), Class: c}
}

// EnrollmentKeyed returns the item of an enrollment.
func EnrollmentKeyed(e Enrollment) any {
	return enrollmentItem{PK: "CLASS#" + e.CourseCode + "#" + e.Session, SK: "ENR#" + e.PersonID, Enrollment: e}
}

// Repo reads classes and enrollments.
type Repo struct{ Table dynamo.Table }

// ClassesEndingOn lists the classes whose last day is date (ISO).
func (r Repo) ClassesEndingOn(ctx context.Context, date string) ([]Class, error) {
	var items []classItem
	if err := r.Table.Get("gsi1pk", "CLASSEND#"+date).Index("gsi1").All(ctx, &items); err != nil {
		return nil, fmt.Errorf("classes ending %s: %w", date, err)
	}
	out := make([]Class, len(items))
	for i, it := range items {
		out[i] = it.Class
	}
	return out, nil
}

// Enrollees lists a class's enrollments in the given status.
func (r Repo) Enrollees(ctx context.Context, c Class, status string) ([]Enrollment, error) {
	var items []enrollmentItem
	err := r.Table.Get("pk", c.Key()).Range("sk", dynamo.BeginsWith, "ENR#").
		Filter("$ = ?", "status", status).Consistent(true).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("enrollees of %s: %w", c.Key(), err)
	}
	out := make([]Enrollment, len(items))
	for i, it := range items {
		out[i] = it.Enrollment
	}
	return out, nil
}

// Get returns a class, or a NotFound error.
func (r Repo) Get(ctx context.Context, courseCode, session string) (Class, error) {
	var it classItem
	err := r.Table.Get("pk", Class{CourseCode: courseCode, Session: session}.Key()).Range("sk", dynamo.Equal, "CLASS").One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Class{}, errcode.New(errcode.NotFound, fmt.Sprintf("找不到課程 %s 第 %s 期。", courseCode, session))
	}
	if err != nil {
		return Class{}, fmt.Errorf("get class %s/%s: %w", courseCode, session, err)
	}
	return it.Class, nil
}

// OfAgency lists the classes an agency organises in a year, by start date.
func (r Repo) OfAgency(ctx context.Context, agency string, year int) ([]Class, error) {
	var items []classItem
	err := r.Table.Get("gsi2pk", fmt.Sprintf("AGENCYCLASSES#%s#%d", agency, year)).Index("gsi2").All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("classes of %s in %d: %w", agency, year, err)
	}
	out := make([]Class, len(items))
	for i, it := range items {
		out[i] = it.Class
	}
	return out, nil
}
