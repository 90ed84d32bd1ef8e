package nightly

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/summary"
)

type rosters struct {
	n   int
	err error
}

func (r rosters) ApplyStaged(context.Context) (int, error) { return r.n, r.err }

type uploads struct {
	ids []string
	err error
}

func (u uploads) Queued(context.Context) ([]string, error) { return u.ids, u.err }

// starter fails for the ids in fail and records the others.
type starter struct {
	fail    map[string]bool
	started []string
}

func (s *starter) Invoke(_ context.Context, id string) error {
	if s.fail[id] {
		return errors.New("throttled")
	}
	s.started = append(s.started, id)
	return nil
}

type roots struct {
	ids []string
	err error
}

func (r roots) RollupJobs(context.Context) ([]string, error) { return r.ids, r.err }

type sums struct {
	err    error
	before func() // what the repair checks when it starts
}

func (s sums) Repair(context.Context) (summary.RepairResult, error) {
	if s.before != nil {
		s.before()
	}
	return summary.RepairResult{Checked: 5}, s.err
}

// The rollups are started before the repair, so a repair that takes the
// rest of the invocation (or fails) never holds the night's statistics back.
func TestRollupsStartBeforeTheRepair(t *testing.T) {
	s := &starter{}
	var started []string
	b := Batch{Rosters: rosters{}, Uploads: uploads{}, Apply: s, Rollups: roots{ids: []string{"A#own", "B"}}, Rollup: s,
		Summaries: sums{err: errors.New("deadline"), before: func() { started = slices.Clone(s.started) }}}
	if _, err := b.Run(context.Background()); err == nil {
		t.Fatal("a failed repair did not fail the run")
	}
	if !reflect.DeepEqual(started, []string{"A#own", "B"}) {
		t.Errorf("rollups started before the repair: %v", started)
	}
}

func TestRunKeepsGoingAndReportsEachStep(t *testing.T) {
	boom := errors.New("table unreachable")
	for _, tc := range []struct {
		name    string
		batch   func(*starter) Batch
		fail    map[string]bool
		want    string // the result's JSON
		failing []string
	}{
		{"all well", func(s *starter) Batch {
			return Batch{Rosters: rosters{n: 2}, Uploads: uploads{ids: []string{"j1", "j2"}}, Apply: s, Summaries: sums{}, Rollups: roots{ids: []string{"A"}}, Rollup: s}
		}, nil, `{"importsStarted":["j1","j2"],"rollupsStarted":["A"],"rostersApplied":2,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, nil},
		{"nothing to do", func(s *starter) Batch {
			return Batch{Rosters: rosters{}, Uploads: uploads{}, Apply: s, Summaries: sums{}, Rollups: roots{ids: []string{"A"}}, Rollup: s}
		}, nil, `{"importsStarted":[],"rollupsStarted":["A"],"rostersApplied":0,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, nil},
		{"the rosters fail, the uploads still start", func(s *starter) Batch {
			return Batch{Rosters: rosters{n: 1, err: boom}, Uploads: uploads{ids: []string{"j1"}}, Apply: s, Summaries: sums{}, Rollups: roots{ids: []string{"A"}}, Rollup: s}
		}, nil, `{"errors":{"rostersApplied":"table unreachable"},"importsStarted":["j1"],"rollupsStarted":["A"],"rostersApplied":1,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, []string{"rostersApplied"}},
		{"one start fails, the next still starts", func(s *starter) Batch {
			return Batch{Rosters: rosters{}, Uploads: uploads{ids: []string{"j1", "j2", "j3"}}, Apply: s, Summaries: sums{}, Rollups: roots{ids: []string{"A"}}, Rollup: s}
		}, map[string]bool{"j2": true}, `{"errors":{"importsStarted":"start apply of j2: throttled"},"importsStarted":["j1","j3"],"rollupsStarted":["A"],"rostersApplied":0,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, []string{"importsStarted"}},
		{"listing the uploads fails", func(s *starter) Batch {
			return Batch{Rosters: rosters{n: 3}, Uploads: uploads{err: boom}, Apply: s, Summaries: sums{}, Rollups: roots{ids: []string{"A"}}, Rollup: s}
		}, nil, `{"errors":{"importsStarted":"table unreachable"},"importsStarted":[],"rollupsStarted":["A"],"rostersApplied":3,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, []string{"importsStarted"}},
		{"the summary repair fails, the rest ran", func(s *starter) Batch {
			return Batch{Rosters: rosters{n: 1}, Uploads: uploads{ids: []string{"j1"}}, Apply: s, Summaries: sums{err: boom}, Rollups: roots{ids: []string{"A"}}, Rollup: s}
		}, nil, `{"errors":{"summaries":"table unreachable"},"importsStarted":["j1"],"rollupsStarted":["A"],"rostersApplied":1,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, []string{"summaries"}},
		{"one rollup worker fails to start, the others start", func(s *starter) Batch {
			return Batch{Rosters: rosters{}, Uploads: uploads{}, Apply: s, Summaries: sums{}, Rollups: roots{ids: []string{"A", "B", "C"}}, Rollup: s}
		}, map[string]bool{"B": true}, `{"errors":{"rollupsStarted":"start rollup of B: throttled"},"importsStarted":[],"rollupsStarted":["A","C"],"rostersApplied":0,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, []string{"rollupsStarted"}},
		{"listing the top-level agencies fails", func(s *starter) Batch {
			return Batch{Rosters: rosters{}, Uploads: uploads{}, Apply: s, Summaries: sums{}, Rollups: roots{err: boom}, Rollup: s}
		}, nil, `{"errors":{"rollupsStarted":"table unreachable"},"importsStarted":[],"rollupsStarted":[],"rostersApplied":0,"summaries":{"checked":5,"drifted":0,"fixed":0,"segments":0,"segmentsDone":0,"segmentsBusy":0,"more":false}}`, []string{"rollupsStarted"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &starter{fail: tc.fail}
			res, err := tc.batch(s).Run(context.Background())
			got, jerr := json.Marshal(res)
			if jerr != nil {
				t.Fatal(jerr)
			}
			if string(got) != tc.want {
				t.Errorf("result %s\n want %s", got, tc.want)
			}
			for _, step := range tc.failing {
				if err == nil || !strings.Contains(err.Error(), "nightly step "+step+":") {
					t.Errorf("error %v does not name the failed step %s", err, step)
				}
			}
			if len(tc.failing) == 0 && err != nil {
				t.Errorf("error %v, want none", err)
			}
		})
	}
}

// The steps run in their order, every one of them, and each name is a key
// of its own in the result.
func TestStepsRunInOrder(t *testing.T) {
	var ran []string
	step := func(name string, err error) Step {
		return Step{name, func(context.Context) (any, error) { ran = append(ran, name); return len(ran), err }}
	}
	res, err := run(context.Background(), []Step{step("a", nil), step("b", errors.New("x")), step("c", nil)})
	if !reflect.DeepEqual(ran, []string{"a", "b", "c"}) {
		t.Errorf("ran %v", ran)
	}
	if err == nil || res["a"] != 1 || res["b"] != 2 || res["c"] != 3 {
		t.Errorf("result %v, error %v", res, err)
	}
	names := map[string]bool{ErrorsKey: true}
	for _, s := range (Batch{}).Steps() {
		if names[s.Name] {
			t.Errorf("step name %q used twice (or is %q)", s.Name, ErrorsKey)
		}
		names[s.Name] = true
	}
}
