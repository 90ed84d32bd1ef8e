// Command nightly is the NightlyFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Nightly from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("nightly", lambdafn.Nightly) }
