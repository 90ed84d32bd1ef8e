package imports

import (
	"context"
	"strings"
	"testing"
)

// Every upload type officers can pick has a checker registered, and nothing
// is registered for a kind that does not exist (a typo would leave a type
// without one).
func TestEveryKindHasAChecker(t *testing.T) {
	reg := Deps{}.Checkers()
	for _, k := range Kinds {
		if external[k.ID] { // another package's kind, registered by the wiring (lambdafn)
			continue
		}
		if spec, ok := reg[k.ID]; !ok || spec.New == nil {
			t.Errorf("kind %s (%s) has no checker", k.ID, k.Name)
		}
	}
	for id := range reg {
		if _, ok := KindByID(id); !ok {
			t.Errorf("a checker is registered for %q, which is no kind", id)
		}
	}
	// The nomination checker keeps unguarded per-job state: never shared by workers.
	if reg[Nominations].Shared {
		t.Error("the nomination checker is shared between workers")
	}
}

// A job of a kind with no registered checker fails with the kind named,
// and a registered one is used.
func TestPipelineLooksUpTheJobsChecker(t *testing.T) {
	p := &Pipeline{Checkers: Checkers{"mine": {New: func(context.Context, Job) (Checker, error) { return nopChecker{}, nil }}}}
	if ck, err := p.checker(context.Background(), Job{ID: "j1", Kind: "mine"}); err != nil || ck == nil {
		t.Errorf("registered kind: %v, %v", ck, err)
	}
	_, err := p.checker(context.Background(), Job{ID: "j2", Kind: "theirs"})
	if err == nil || !strings.Contains(err.Error(), `"theirs"`) {
		t.Errorf("unregistered kind: %v", err)
	}
}
