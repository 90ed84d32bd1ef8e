package lambdafn

import (
	"context"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/invoke"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/requirement"
	"github.com/ecpa-lifelong/backoffice/shared/settings"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
	"github.com/ecpa-lifelong/backoffice/shared/statistics"
)

// RollupFunctionVar names the statistics rollup worker (template.yaml).
const RollupFunctionVar = "ROLLUP_FUNCTION"

// Roller computes the statistics rollups (issue 17) from c's Directory,
// Records and Catalog (R2's classes) tables; the nightly batch, its workers and the reports function's
// 重新計算 share it.
func Roller(c Core) statistics.Roller {
	people := staff.Repo{Table: c.Tables.Directory}
	classes := catalog.Repo{Table: c.Tables.Catalog}
	return statistics.Roller{
		Reports: statistics.Reports{People: people, Summaries: summaries(c),
			Codes:        &codes.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute},
			Requirements: &requirement.Repo{Table: c.Tables.Directory, TTL: 5 * time.Minute},
			Classes:      classes, ClassPeople: statistics.ClassSources{Repo: classes, Records: records.Repo{Table: c.Tables.Records}, People: people}},
		Tree: agency.Repo{Table: c.Tables.Directory}, Store: statistics.Rollups{Table: c.Tables.Directory}, Now: c.Now,
		SplitPeople: statistics.SplitPeople,
	}
}

// Rollup is the statistics rollup worker: one invocation per top-level
// agency ({"jobId": "<agency code>"}), started by the nightly batch, or per
// 重新計算 ({"jobId": "<agency>#<year>#<requested ms>"}), started by the
// reports function (statistics.Roller.Job).
func Rollup(ctx context.Context, getenv func(string) string) (func(context.Context, invoke.JobInput) (statistics.RollResult, error), error) {
	c, err := Open(ctx, getenv, []string{settings.TableDirectory, settings.TableRecords, settings.TableCatalog})
	if err == nil {
		err = c.Env.Err()
	}
	if err != nil {
		return nil, err
	}
	r := Roller(c)
	return func(ctx context.Context, in invoke.JobInput) (statistics.RollResult, error) {
		return r.Job(ctx, in.JobID)
	}, nil
}
