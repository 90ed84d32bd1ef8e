// Command imports is the ImportsFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Imports from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("imports", lambdafn.Imports) }
