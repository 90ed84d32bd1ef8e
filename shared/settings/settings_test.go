package settings

import (
	"strings"
	"testing"
)

func TestErrNamesEveryMissingVariable(t *testing.T) {
	env := New(func(k string) string { return map[string]string{TableDirectory: "dir"}[k] })
	if got := env.Need(TableDirectory); got != "dir" {
		t.Fatalf("Need = %q", got)
	}
	env.Need(BucketUploads)
	env.Need(SSOIssuer)
	err := env.Err()
	if err == nil {
		t.Fatal("no error for missing variables")
	}
	for _, name := range []string{BucketUploads, SSOIssuer} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error %q does not name %s", err, name)
		}
	}
	if strings.Contains(err.Error(), TableDirectory) {
		t.Errorf("error names a variable that is set: %v", err)
	}
	if New(func(string) string { return "x" }).Err() != nil {
		t.Error("error with nothing required")
	}
}
