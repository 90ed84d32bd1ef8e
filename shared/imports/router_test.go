package imports

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// stagers records which stager got which key, and fails as told.
type stagers struct {
	got  []string // "roster <key> <etag>" or "job <key> <etag> <size> <owner>"
	fail map[string]error
}

type rosterStager struct{ *stagers }

func (s rosterStager) Stage(_ context.Context, key, etag string) (agency.Job, error) {
	s.got = append(s.got, "roster "+key+" "+etag)
	return agency.Job{ID: "r"}, s.fail[key]
}

type jobStager struct{ *stagers }

func (s jobStager) Stage(_ context.Context, key, etag string, size int64, owner string) (Job, error) {
	s.got = append(s.got, "job "+key+" "+etag+" "+strings.Repeat("#", int(size))+" "+owner)
	return Job{ID: "j"}, s.fail[key]
}

func TestRouterRoutesByKeyPrefix(t *testing.T) {
	for _, tc := range []struct {
		name    string
		objs    []Object
		fail    map[string]error
		want    []string
		wantErr string // a part of the error; "" for none
	}{
		{"a roster", []Object{{Key: "agency-roster/2026.csv", ETag: "e1"}}, nil,
			[]string{"roster agency-roster/2026.csv e1"}, ""},
		{"an upload job", []Object{{Key: "imports/301000000A/hours-external/j1.csv", ETag: "e2", Size: 3}}, nil,
			[]string{"job imports/301000000A/hours-external/j1.csv e2 ### run-1"}, ""},
		{"keys arrive URL-encoded", []Object{{Key: "agency-roster/%E5%90%8D%E5%86%8A+2026.csv", ETag: "e"}}, nil,
			[]string{"roster agency-roster/名冊 2026.csv e"}, ""},
		{"a key under no prefix is left alone", []Object{{Key: "exports/x.zip"}, {Key: "Agency-roster/x.csv"}, {Key: "imports"}}, nil, nil, ""},
		{"a key that is not URL-encoded right is an error, the next still staged",
			[]Object{{Key: "agency-roster/%zz.csv"}, {Key: "agency-roster/b.csv", ETag: "e"}}, nil,
			[]string{"roster agency-roster/b.csv e"}, `object key "agency-roster/%zz.csv"`},
		{"a failed stage is an error, the next still staged",
			[]Object{{Key: "agency-roster/a.csv", ETag: "e"}, {Key: "imports/A/k/j.csv", ETag: "f"}},
			map[string]error{"agency-roster/a.csv": errors.New("S3 down")},
			[]string{"roster agency-roster/a.csv e", "job imports/A/k/j.csv f  run-1"}, "stage agency-roster/a.csv: S3 down"},
		{"an upload nobody asked for is not retried",
			[]Object{{Key: "imports/A/k/none.csv", ETag: "e"}},
			map[string]error{"imports/A/k/none.csv": errcode.New(errcode.NotFound, "找不到")},
			[]string{"job imports/A/k/none.csv e  run-1"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &stagers{fail: tc.fail}
			err := Router{Rosters: rosterStager{s}, Jobs: jobStager{s}}.Handle(context.Background(), tc.objs, "run-1")
			if !reflect.DeepEqual(s.got, tc.want) {
				t.Errorf("staged %q\n want %q", s.got, tc.want)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one with %q", err, tc.wantErr)
			}
		})
	}
}

// No prefix of the table is a prefix of another: the order of the table
// can never decide where an object goes.
func TestRoutePrefixesAreDisjoint(t *testing.T) {
	rts := Router{}.routes()
	for i, a := range rts {
		for j, b := range rts {
			if i != j && strings.HasPrefix(a.prefix, b.prefix) {
				t.Errorf("prefix %q starts with %q", a.prefix, b.prefix)
			}
		}
	}
}
