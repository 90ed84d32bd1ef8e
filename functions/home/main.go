// Command home is the HomeFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Home from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("home", lambdafn.Home) }
