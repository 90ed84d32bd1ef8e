package imports

import (
	"context"
	"fmt"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/enrollment"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// RecordWriter writes learning records.
type RecordWriter interface {
	WriteRecords(ctx context.Context, recs []records.Record) error
}

// Deps is what the checkers read and write.
type Deps struct {
	People   People
	Classes  Classes
	Records  RecordWriter
	Catalog  *catalog.Service
	Codes    *codes.Repo
	DB       *dynamo.DB
	Agencies agency.Repo
}

// Checker returns the checker of a job's type (Pipeline.Checkers).
func (d Deps) Checker(ctx context.Context, j Job) (checker, error) {
	cats, err := d.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return nil, err
	}
	switch j.Kind {
	case HoursClass, HoursExternal, HoursStudy:
		return &hoursChecker{kind: j.Kind, job: j, people: d.People, classes: d.Classes, cats: cats, writer: d.Records,
			cache: map[string]staff.Ref{}, classMem: map[string]classLookup{}}, nil
	case Nominations:
		return &nominationChecker{job: j, people: d.People, agencies: d.Agencies, classes: d.Catalog.Repo,
			enroll: enrollment.Repo{DB: d.DB, Table: d.Catalog.Repo.Table},
			cache:  map[string]staff.Ref{}, agMem: map[string]agency.Agency{}}, nil
	case Courses, Subjects, Lecturers, Materials:
		return &catalogChecker{kind: j.Kind, job: j, service: d.Catalog, cats: cats}, nil
	}
	return nil, fmt.Errorf("import job %s: unknown kind %q", j.ID, j.Kind)
}
