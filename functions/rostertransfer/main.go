// Command rostertransfer is the RosterTransferFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.RosterTransfer from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("rostertransfer", lambdafn.RosterTransfer) }
