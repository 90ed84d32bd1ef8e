package stack_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/ecpa-lifelong/backoffice/infra/ddblocal"
	"github.com/ecpa-lifelong/backoffice/infra/local/stack"
	"github.com/ecpa-lifelong/backoffice/infra/local/stacktest"
)

func TestMain(m *testing.M) { os.Exit(stacktest.Main(m)) }

func TestHealth(t *testing.T) {
	env := stacktest.Start(t, stacktest.Options{NoDemo: true})
	if r := env.Do(t, "GET", "/api/health", "", nil); r.Status != 200 {
		t.Fatalf("healthy stack: %d %s", r.Status, r.Body)
	}
	if r := env.Do(t, "GET", "/api/openapi.json", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), `"openapi"`) {
		t.Fatalf("openapi: %d", r.Status)
	}
	// S3 down: the functions' S3 endpoint answers nothing.
	broken := stacktest.Start(t, stacktest.Options{NoDemo: true, Env: map[string]string{"S3_ENDPOINT": "http://127.0.0.1:1"}})
	r := broken.Do(t, "GET", "/api/health", "", nil)
	if r.Status != 503 || !strings.Contains(string(r.Body), `"S3 uploads"`) || strings.Contains(string(r.Body), `"down":["DynamoDB`) {
		t.Fatalf("S3 down: %d %s", r.Status, r.Body)
	}
	// Anonymous callers never see the AWS error text (it names endpoints, accounts, roles).
	for _, leak := range []string{"127.0.0.1", "head bucket", "operation error", "StatusCode"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("the health answer shows %q: %s", leak, r.Body)
		}
	}
}

func TestHealthNamesDynamoDBWhenItStops(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own DynamoDB Local: make test, not under -short (make check)")
	}
	db, err := ddblocal.Start(context.Background(), ddblocal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop()
	st, err := stack.Start(context.Background(), stack.Config{Template: stacktest.Root() + "/template.yaml",
		Addr: "127.0.0.1:0", S3Addr: "127.0.0.1:0", DynamoEndpoint: db.Endpoint, S3Backend: s3mem.New()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	env := &stacktest.Env{Stack: st}
	if r := env.Do(t, "GET", "/api/health", "", nil); r.Status != 200 {
		t.Fatalf("before: %d %s", r.Status, r.Body)
	}
	db.Stop()
	r := env.Do(t, "GET", "/api/health", "", nil)
	var out struct {
		Status string
		Down   []string
	}
	r.JSON(t, &out)
	if r.Status != 503 || out.Status != "unavailable" || len(out.Down) != 3 || !strings.HasPrefix(out.Down[0], "DynamoDB") {
		t.Fatalf("after DynamoDB stopped: %d %s", r.Status, r.Body)
	}
}
