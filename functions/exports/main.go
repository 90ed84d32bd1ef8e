// Command exports is the ExportsFunction of template.yaml. Wiring only: the handler
// is assembled by exportfn.Exports from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/exportfn"
)

func main() { lambdafn.Start("exports", exportfn.Exports) }
