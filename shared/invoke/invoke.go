// Package invoke starts a function of the stack asynchronously (Lambda's
// InvocationType Event): the export worker for an export job, the import
// apply function for an upload job, and its own follow-ups.
package invoke

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
)

// JobInput is the event of a function that works on one job.
type JobInput struct {
	JobID string `json:"jobId"`
}

// Async invokes Function with {"jobId": id}; Lambda queues the event and
// retries it on failure.
type Async struct {
	Client   *lambda.Client
	Function string
}

// Invoke queues one invocation for a job.
func (a Async) Invoke(ctx context.Context, jobID string) error {
	payload, _ := json.Marshal(JobInput{JobID: jobID})
	_, err := a.Client.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(a.Function),
		InvocationType: lambdatypes.InvocationTypeEvent, Payload: payload})
	if err != nil {
		return fmt.Errorf("invoke %s: %w", a.Function, err)
	}
	return nil
}
