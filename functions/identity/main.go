// Command identity is the IdentityFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Identity from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("identity", lambdafn.Identity) }
