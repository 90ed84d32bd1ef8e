package enrollment

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/guregu/dynamo/v2"

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

// GradeSheet is a class's grade sheet: the class, its learners and the sheet's
// version, which a save sends back.
type GradeSheet struct {
	Class   catalog.Class `json:"class"`
	Items   []Learner     `json:"items"`
	Version int           `json:"version"`
}

// Grades returns a class of the caller's agency (or below) with its learners' records.
func (s *Service) Grades(ctx context.Context, c auth.Caller, code, session string) (GradeSheet, error) {
	// The version first: a save made after this read, and seen in the
	// records read next, is then still refused as stale (never the reverse).
	class, err := s.ownClass(ctx, c, code, session)
	if err != nil {
		return GradeSheet{}, err
	}
	version, err := s.sheetVersion(ctx, class)
	if err != nil {
		return GradeSheet{}, err
	}
	recs, err := s.Records.OfClass(ctx, class.CourseCode, class.Session)
	if err != nil {
		return GradeSheet{}, err
	}
	list, err := s.learners(ctx, recs)
	return GradeSheet{Class: class, Items: list, Version: version}, err
}

func (s *Service) learners(ctx context.Context, recs []records.Record) ([]Learner, error) {
	ids := make([]string, len(recs))
	codes := make([]string, 0, len(recs))
	for i, r := range recs {
		ids[i] = r.PersonID
		codes = append(codes, r.Agency)
	}
	people, err := s.People.GetMany(ctx, ids)
	if err != nil {
		return nil, err
	}
	orgs, err := s.Agencies.GetMany(ctx, codes)
	if err != nil {
		return nil, err
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
	return out, nil
}

// SetGrades records hours and pass/fail for learners of a class over the
// sheet's version the officer read. Every entry is checked before anything
// is written (one bad entry refuses them all), then the version is taken:
// of saves made over one version only the first is applied, every other
// answers Conflict, so two officers' saves never interleave.
func (s *Service) SetGrades(ctx context.Context, c auth.Caller, code, session string, version int, in []GradeInput) (int, error) {
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
		grades = append(grades, records.Grade{Record: r, Hours: hours, Passed: g.Passed, Digital: class.DigitalHours, Physical: class.PhysicalHours})
	}
	if err := s.takeSheet(ctx, class, version); err != nil {
		return 0, err
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

// sheetVersion reads the version of a class's grade sheet (0: never saved).
func (s *Service) sheetVersion(ctx context.Context, class catalog.Class) (int, error) {
	var it struct {
		Version int `dynamo:"version"`
	}
	err := s.Classes.Table.Get("pk", class.Key()).Range("sk", dynamo.Equal, catalog.GradesSK).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("grade sheet version of %s: %w", class.Key(), err)
	}
	return it.Version, nil
}

// takeSheet moves a class's grade sheet from version read to the next,
// conditionally: Conflict when another save took it since.
func (s *Service) takeSheet(ctx context.Context, class catalog.Class, read int) error {
	u := s.Classes.Table.Update("pk", class.Key()).Range("sk", catalog.GradesSK).Set("version", read+1)
	if read == 0 {
		u = u.If("attribute_not_exists($)", "version")
	} else {
		u = u.If("$ = ?", "version", read)
	}
	err := u.Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return &errcode.Error{Code: errcode.Conflict, Field: "version",
			Message: "這個班期的成績在您開啟後已被修改（可能有其他人同時登錄），您的登錄未儲存；請重新整理頁面後再登錄。"}
	}
	if err != nil {
		return fmt.Errorf("take the grade sheet of %s: %w", class.Key(), err)
	}
	return nil
}
