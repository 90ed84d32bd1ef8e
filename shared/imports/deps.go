package imports

import (
	"context"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
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
	// Stored reads the records an apply is about to write, to say per row
	// whether it adds or updates one (nil: not said).
	Stored RecordLookup
	// Directory holds where each platform record is (PlatformPointers).
	Directory dynamo.Table
	// Clients are the platform clients as they are now (hoursfeed.Clients):
	// a platform job's client must still be active, and only a national one
	// writes outside its agency (scope.go).
	Clients auth.PlatformLoader
}

// Checkers are the built-in job types' checkers, by kind (Pipeline.Checkers).
// The wiring may add others: a new upload type adds its Kind and registers
// its CheckerSpec under the kind's id, as an export adds a Source.
func (d Deps) Checkers() Checkers {
	hours := CheckerSpec{New: d.hours, Shared: true}
	rows := CheckerSpec{New: d.catalogRows, Shared: true}
	return Checkers{
		HoursClass: hours, HoursExternal: hours, HoursStudy: hours, Platform: hours,
		Courses: rows, Subjects: rows, Lecturers: rows, Materials: rows,
		Nominations: {New: d.nominations}, // its per-job state is not guarded: one per worker
	}
}

func (d Deps) hours(ctx context.Context, j Job) (Checker, error) {
	cats, err := d.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return nil, err
	}
	return &hoursChecker{kind: j.Kind, job: j, people: d.People, classes: d.Classes, cats: cats, writer: d.Records,
		stored: d.Stored, pointers: PlatformPointers{Table: d.Directory}, agencies: d.Agencies, clients: d.Clients,
		cache: map[string]staff.Ref{}, classMem: map[string]classLookup{}, agMem: map[string]agency.Agency{}}, nil
}

func (d Deps) catalogRows(ctx context.Context, j Job) (Checker, error) {
	cats, err := d.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return nil, err
	}
	return &catalogChecker{kind: j.Kind, job: j, service: d.Catalog, cats: cats}, nil
}

func (d Deps) nominations(_ context.Context, j Job) (Checker, error) {
	return &nominationChecker{job: j, people: d.People, agencies: d.Agencies, classes: d.Catalog.Repo,
		enroll: enrollment.Repo{DB: d.DB, Table: d.Catalog.Repo.Table},
		cache:  map[string]staff.Ref{}, agMem: map[string]agency.Agency{}}, nil
}
