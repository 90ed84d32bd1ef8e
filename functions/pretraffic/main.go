// Command pretraffic is the PreTrafficHookFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.PreTraffic from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("pretraffic", lambdafn.PreTraffic) }
