// Command hello is the baseline of the cold-start benchmark: the smallest Go
// Lambda (aws-lambda-go, one handler), built with the same flags as every
// bootstrap.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, map[string]any) (string, error) { return "hello", nil })
}
