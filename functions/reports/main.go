// Command reports is the ReportsFunction of template.yaml. Wiring only: the
// handler is assembled by reportfn.Reports from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/reportfn"
)

func main() { lambdafn.Start("reports", reportfn.Reports) }
