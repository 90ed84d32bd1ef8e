// Command course is the CourseFunction of template.yaml. Wiring only: the handler
// is assembled by lambdafn.Course from the environment, once, at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("course", lambdafn.Course) }
