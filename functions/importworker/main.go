// Command importworker is the ImportWorkerFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.ImportWorker from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("importworker", lambdafn.ImportWorker) }
