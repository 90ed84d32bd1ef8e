// Command exportworker is the ExportWorkerFunction of template.yaml. Wiring only: the handler
// is assembled by exportfn.ExportWorker from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/exportfn"
)

func main() { lambdafn.Start("exportworker", exportfn.ExportWorker) }
