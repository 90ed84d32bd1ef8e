// Command rollup is the RollupFunction of template.yaml: the statistics
// rollups of one top-level agency (issue 17). Wiring only: the handler is
// assembled by lambdafn.Rollup from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("rollup", lambdafn.Rollup) }
