package export

import (
	"context"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
)

// Source is one kind of export (the L5 roster, later P1 scores, P5 details …).
// A new export adds a Source and a route; the jobs, the worker, the formats,
// the packing and the download are shared.
type Source interface {
	// Kind names the source in jobs and routes ("roster").
	Kind() string
	// Plan checks a request for the caller (scope, parameters) and describes
	// the job: title, file name stem, the conditions in Chinese.
	Plan(ctx context.Context, c auth.Caller, params map[string]string) (Plan, error)
	// Columns are the sheet's columns.
	Columns() []Column
	// Rows emits the rows of a planned job, in order.
	Rows(ctx context.Context, params map[string]string, emit func([]string) error) error
}

// Plan describes a job before it runs.
type Plan struct {
	Title      string
	Filename   string            // without extension; may be Chinese
	Conditions []Condition       // shown to the officer, in this order
	Params     map[string]string // normalised parameters for Rows
}

// Condition is one condition of a request, labelled in Chinese.
type Condition struct {
	Label string `dynamo:"label" json:"label"`
	Value string `dynamo:"value" json:"value"`
}

// Deliverer is a source whose rows are marked as delivered once its file is
// delivered (P1 marks the records a score download delivered). Delivered
// runs only after the job is recorded done (a failed, too large or
// interrupted job marks nothing); Undelivered after a run that stored no
// file or could not record it done, so the source forgets that run's rows.
// Delivered must be idempotent.
type Deliverer interface {
	Delivered(ctx context.Context, job Job) error
	Undelivered(job Job)
}

// JobParam is the parameter the worker adds for Rows: the job's id, so a
// source can read what a retry of the same job must read again.
const JobParam = "_job"
