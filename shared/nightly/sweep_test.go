package nightly

import (
	"context"
	"errors"
	"reflect"
	"testing"
)

type stuck struct {
	ids []string
	err error
}

func (s stuck) Stuck(context.Context) ([]string, error) { return s.ids, s.err }

// The sweep resumes every stuck apply it is given, goes on past one that
// cannot be started, and fails (to the async-failures queue) when anything
// failed.
func TestSweepResumesStuckApplies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		uploads stuck
		fail    map[string]bool
		started []string
		failed  bool
	}{
		{"nothing stuck", stuck{}, nil, nil, false},
		{"two stuck", stuck{ids: []string{"j1", "j2"}}, nil, []string{"j1", "j2"}, false},
		{"one cannot start", stuck{ids: []string{"j1", "j2", "j3"}}, map[string]bool{"j2": true}, []string{"j1", "j3"}, true},
		{"listing failed partway", stuck{ids: []string{"j1"}, err: errors.New("queue unreachable")}, nil, []string{"j1"}, true},
	} {
		s := &starter{fail: tc.fail}
		res, err := Sweep{Uploads: tc.uploads, Apply: s}.Run(context.Background())
		if (err != nil) != tc.failed {
			t.Errorf("%s: err %v, want failure %v", tc.name, err, tc.failed)
		}
		if !reflect.DeepEqual(s.started, tc.started) {
			t.Errorf("%s: started %v, want %v", tc.name, s.started, tc.started)
		}
		if got, _ := res["appliesResumed"].([]string); len(got) != len(tc.started) {
			t.Errorf("%s: result %v", tc.name, res)
		}
	}
}
