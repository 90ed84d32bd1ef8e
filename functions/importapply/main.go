// Command importapply is the ImportApplyFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.ImportApply from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("importapply", lambdafn.ImportApply) }
