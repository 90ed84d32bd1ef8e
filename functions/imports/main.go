// Command importer is the ImportFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Import from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("imports", lambdafn.Imports) }
