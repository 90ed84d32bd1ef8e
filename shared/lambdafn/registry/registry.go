// Package registry maps every function of template.yaml to its constructor,
// for the local stack and the tests. It lives apart from lambdafn so that a
// function's bootstrap, which imports only lambdafn, links only its own code.
package registry

import (
	"context"

	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/exportfn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/reportfn"
)

// Spec describes one function of template.yaml.
type Spec struct {
	Dir string // functions/<Dir>
	// New returns the handler given to lambda.Start.
	New func(ctx context.Context, getenv func(string) string) (any, error)
}

// Functions maps every template logical ID to its Go handler. A test fails
// when this map and template.yaml disagree.
var Functions = map[string]Spec{
	"AuthorizerFunction":     {"authorizer", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Authorizer(ctx, g) }},
	"PlatformFunction":       {"platform", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Platform(ctx, g) }},
	"IdentityFunction":       {"identity", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Identity(ctx, g) }},
	"HomeFunction":           {"home", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Home(ctx, g) }},
	"ImportFunction":         {"importer", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Import(ctx, g) }},
	"ImportApplyFunction":    {"importapply", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.ImportApply(ctx, g) }},
	"ImportsFunction":        {"imports", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Imports(ctx, g) }},
	"ImportWorkerFunction":   {"importworker", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.ImportWorker(ctx, g) }},
	"EnrollmentFunction":     {"enrollment", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Enrollment(ctx, g) }},
	"NightlyFunction":        {"nightly", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Nightly(ctx, g) }},
	"RollupFunction":         {"rollup", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Rollup(ctx, g) }},
	"SummaryFunction":        {"summaries", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Summary(ctx, g) }},
	"RosterTransferFunction": {"rostertransfer", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.RosterTransfer(ctx, g) }},
	"CourseFunction":         {"course", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.Course(ctx, g) }},
	"ExportsFunction":        {"exports", func(ctx context.Context, g func(string) string) (any, error) { return exportfn.Exports(ctx, g) }},
	"ExportWorkerFunction":   {"exportworker", func(ctx context.Context, g func(string) string) (any, error) { return exportfn.ExportWorker(ctx, g) }},
	"PreTrafficHookFunction": {"pretraffic", func(ctx context.Context, g func(string) string) (any, error) { return lambdafn.PreTraffic(ctx, g) }},
	"ReportsFunction":        {"reports", func(ctx context.Context, g func(string) string) (any, error) { return reportfn.Reports(ctx, g) }},
}
