// Command summaries is the SummaryFunction of template.yaml: the learning
// summaries kept from the Records table's stream (issue 25). Wiring only:
// the handler is assembled by lambdafn.Summary from the environment, once,
// at cold start.
package main

import (
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
)

func main() { lambdafn.Start("summaries", lambdafn.Summary) }
