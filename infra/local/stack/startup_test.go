package stack

import (
	"context"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecpa-lifelong/backoffice/shared/lambdafn"
	"github.com/ecpa-lifelong/backoffice/shared/lambdafn/registry"
)

// Missing configuration is a clear error naming every missing variable, never a panic.
func TestFunctionsNameMissingConfiguration(t *testing.T) {
	empty := func(string) string { return "" }
	for id, spec := range registry.Functions {
		_, err := spec.New(context.Background(), empty)
		if err == nil {
			t.Errorf("%s started without configuration", id)
			continue
		}
		if !strings.Contains(err.Error(), "missing configuration") {
			t.Errorf("%s: %v", id, err)
		}
	}
	_, err := lambdafn.Identity(context.Background(), empty)
	for _, name := range []string{"TABLE_DIRECTORY", "SSO_ISSUER", "SSO_AUDIENCE"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("identity's error %v does not name %s", err, name)
		}
	}
}

func TestStackNamesAnUnreachableDynamoDB(t *testing.T) {
	_, err := Start(context.Background(), Config{Template: templatePath, Addr: "127.0.0.1:0", S3Addr: "127.0.0.1:0",
		DynamoEndpoint: "http://127.0.0.1:1", S3Backend: s3mem.New()})
	if err == nil || !strings.Contains(err.Error(), "DynamoDB at http://127.0.0.1:1 is unreachable") {
		t.Fatalf("got %v", err)
	}
}
