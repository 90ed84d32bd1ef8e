package lambdafn

import (
	"context"

	"github.com/aws/aws-lambda-go/events"

	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// summaries is the learning-summary repository (issue 16); it needs the
// Records and Directory tables (profiles from the staff directory).
func summaries(c Core) summary.Repo {
	return summary.Repo{Records: c.Tables.Records, People: staff.Repo{Table: c.Tables.Directory}, Now: c.Now}
}

// recordsRepo is the records repository every function writes records
// with. It writes records only: SummaryFunction keeps the learning summaries
// from the Records table's stream (issue 25).
func recordsRepo(c Core) records.Repo {
	return records.Repo{Table: c.Tables.Records}
}

// streamWorkers is how many person-years one batch recomputes at once.
const streamWorkers = 16

// Summary is SummaryFunction: the learning summaries kept from the Records
// table's stream, one batch of record changes per invocation (summary.Stream).
func Summary(ctx context.Context, getenv func(string) string) (func(context.Context, events.DynamoDBEvent) (events.DynamoDBEventResponse, error), error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableRecords})
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	repo := summaries(c)
	repo.Workers = streamWorkers
	return summary.Stream{Repo: repo}.Handle, nil
}
