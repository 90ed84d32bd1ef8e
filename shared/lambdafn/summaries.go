package lambdafn

import (
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

// summaries is the learning-summary repository (issue 16); it needs the
// Records and Directory tables (profiles from the staff directory).
func summaries(c Core) summary.Repo {
	return summary.Repo{Records: c.Tables.Records, People: staff.Repo{Table: c.Tables.Directory}, Now: c.Now}
}

// recordsRepo is the records repository every function writes records
// with: each write recomputes the learning summaries it touched.
func recordsRepo(c Core) records.Repo {
	return records.Repo{Table: c.Tables.Records, Summaries: summaries(c)}
}
