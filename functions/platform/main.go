// Command platform is the PlatformFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Platform from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("platform", lambdafn.Platform) }
