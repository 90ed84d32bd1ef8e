// Command authorizer is the AuthorizerFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Authorizer from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("authorizer", lambdafn.Authorizer) }
