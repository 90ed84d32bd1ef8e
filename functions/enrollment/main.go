// Command enrollment is the EnrollmentFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Enrollment from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("enrollment", lambdafn.Enrollment) }
