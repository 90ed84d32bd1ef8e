package settings

import (
	"strings"
	"testing"
	"time"
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

func TestClock(t *testing.T) {
	env := func(vars map[string]string) *Env { return New(func(k string) string { return vars[k] }) }
	if now, err := Clock(env(nil)); err != nil || time.Since(now()).Abs() > time.Minute {
		t.Fatalf("no offset: %v, %v", now(), err)
	}
	now, err := Clock(env(map[string]string{DynamoDBEndpoint: "http://127.0.0.1:8000", ClockOffset: "-720h"}))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(now()); d < 719*time.Hour || d > 721*time.Hour {
		t.Fatalf("offset -720h gave a clock %v behind", d)
	}
	if _, err := Clock(env(map[string]string{ClockOffset: "1h"})); err == nil {
		t.Fatal("a deployed function (no local endpoint) accepted a shifted clock")
	}
	if _, err := Clock(env(map[string]string{DynamoDBEndpoint: "x", ClockOffset: "tomorrow"})); err == nil {
		t.Fatal("a malformed offset was accepted")
	}
}
