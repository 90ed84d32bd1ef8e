package enrollment

import (
	"context"
	"fmt"
	"sort"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/records"
)

// 成績回登 (L6a online): the day after a class ends its approved enrollees
// become records awaiting hours (records.Transfer); the organiser sets each
// learner's hours and pass/fail here, or deletes learners' records.

// Learner is one line of a class's grade sheet.
type Learner struct {
	PersonID   string `json:"personId"`
	NationalID string `json:"nationalId"` // masked
	Name       string `json:"name"`
	AgencyName string `json:"agencyName"`
	Unit       string `json:"unit"`
	Hours      int    `json:"hours"`
	Passed     *bool  `json:"passed"` // nil: not yet graded
	Status     string `json:"status"`
}

// GradeInput is the organiser's entry for one learner. Hours arrive as a
// JSON number so that 2.5 is told "whole number" rather than "wrong type".
type GradeInput struct {
	PersonID string  `json:"personId" max:"id"`
	Hours    float64 `json:"hours"`
	Passed   bool    `json:"passed"`
}

// Grades returns a class of the caller's agency (or below) with its learners' records.
func (s *Service) Grades(ctx context.Context, c auth.Caller, code, session string) (catalog.Class, []Learner, error) {
	class, recs, err := s.classRecords(ctx, c, code, session)
	if err != nil {
		return catalog.Class{}, nil, err
	}
	ids := make([]string, len(recs))
	codes := make([]string, 0, len(recs))
	for i, r := range recs {
		ids[i] = r.PersonID
		codes = append(codes, r.Agency)
	}
	people, err := s.People.GetMany(ctx, ids)
	if err != nil {
		return catalog.Class{}, nil, err
	}
	orgs, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return catalog.Class{}, nil, err
	}
	out := make([]Learner, len(recs))
	for i, r := range recs {
		p := people[r.PersonID]
		out[i] = Learner{PersonID: r.PersonID, NationalID: maskID(p.NationalID), Name: p.Name, AgencyName: orgs[r.Agency].Name,
			Unit: p.Unit, Hours: r.Hours, Passed: r.Passed, Status: r.Status}
		if r.Status == records.AwaitingHours {
			out[i].Passed = nil
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return class, out, nil
}

// SetGrades records hours and pass/fail for learners of a class. Every entry
// is checked before anything is written: one bad entry refuses them all.
func (s *Service) SetGrades(ctx context.Context, c auth.Caller, code, session string, in []GradeInput) (int, error) {
	class, list, err := s.classRecords(ctx, c, code, session)
	if err != nil {
		return 0, err
	}
	recs := byPerson(list)
	if len(in) == 0 {
		return 0, errcode.Field("grades", "請至少登錄一位學員的時數。")
	}
	grades := make([]records.Grade, 0, len(in))
	seen := map[string]bool{}
	for i, g := range in {
		r, ok := recs[g.PersonID]
		switch {
		case !ok:
			return 0, errcode.Field(fmt.Sprintf("grades[%d]", i), "這位學員沒有本班的學習紀錄（可能已被刪除），請重新查詢。")
		case seen[g.PersonID]:
			return 0, errcode.Field(fmt.Sprintf("grades[%d]", i), "同一位學員登錄了兩次。")
		}
		hours, err := catalog.Whole(fmt.Sprintf("grades[%d].hours", i), "訓練時數", g.Hours, 0, class.Hours)
		if err != nil {
			return 0, err
		}
		seen[g.PersonID] = true
		grades = append(grades, records.Grade{Record: r, Hours: hours, Passed: g.Passed})
	}
	missing, err := s.Records.SetGrades(ctx, grades)
	if err != nil {
		return 0, err
	}
	if len(missing) > 0 {
		return len(grades) - len(missing), errcode.New(errcode.Conflict,
			fmt.Sprintf("其中 %d 位學員的紀錄已被刪除，未登錄；其餘已儲存。", len(missing)))
	}
	return len(grades), nil
}

// DeleteGrades deletes learners' records of a class.
func (s *Service) DeleteGrades(ctx context.Context, c auth.Caller, code, session string, personIDs []string) (int, error) {
	_, list, err := s.classRecords(ctx, c, code, session)
	if err != nil {
		return 0, err
	}
	if len(personIDs) == 0 {
		return 0, errcode.Field("personIds", "請勾選要刪除的學員。")
	}
	recs := byPerson(list)
	var del []*records.Record
	for i, id := range personIDs {
		r, ok := recs[id]
		if !ok {
			return 0, errcode.Field(fmt.Sprintf("personIds[%d]", i), "這位學員沒有本班的學習紀錄，請重新查詢。")
		}
		del = append(del, r)
	}
	return s.Records.Delete(ctx, del)
}

// classRecords returns a class of the caller's agency (or below) and its records.
func (s *Service) classRecords(ctx context.Context, c auth.Caller, code, session string) (catalog.Class, []records.Record, error) {
	class, err := s.ownClass(ctx, c, code, session)
	if err != nil {
		return catalog.Class{}, nil, err
	}
	recs, err := s.Records.OfClass(ctx, class.CourseCode, class.Session)
	return class, recs, err
}

func byPerson(list []records.Record) map[string]*records.Record {
	out := make(map[string]*records.Record, len(list))
	for i := range list {
		out[list[i].PersonID] = &list[i]
	}
	return out
}
