// Command exportworker is the ExportWorkerFunction of template.yaml: wiring only.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/exportfn"
)

func main() {
	if err := run(context.Background(), os.Getenv); err != nil {
		fmt.Fprintf(os.Stderr, "exportworker: %v\n", err)
		os.Exit(1)
	}
}

// run builds everything once, at cold start, then serves invocations.
func run(ctx context.Context, getenv func(string) string) error {
	start := time.Now()
	handler, err := exportfn.ExportWorker(ctx, getenv)
	if err != nil {
		return err
	}
	slog.Info("cold start", "function", "exportworker", "init_ms", float64(time.Since(start).Microseconds())/1000)
	lambda.StartWithOptions(handler, lambda.WithContext(ctx))
	return nil
}
