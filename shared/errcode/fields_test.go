package errcode

import (
	"errors"
	"testing"
)

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		name       string
		add        []error
		wantNil    bool
		wantCode   Code
		wantField  string
		wantFields int
	}{
		{"nothing added", []error{nil, nil}, true, "", "", 0},
		{"one field: as it is", []error{nil, Field("name", "請填寫名稱。")}, false, Invalid, "name", 0},
		{"two fields: listed, the first leads", []error{Field("name", "a"), nil, Field("start", "b")}, false, Invalid, "name", 2},
		{"a non-field error wins", []error{Field("name", "a"), New(Conflict, "已存在")}, false, Conflict, "", 0},
		{"an uncoded error is internal", []error{Field("name", "a"), errors.New("boom")}, false, Internal, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f Fields
			for _, e := range tc.add {
				if ok := f.Add(e); ok != (e == nil) {
					t.Errorf("Add(%v) = %v", e, ok)
				}
			}
			err := f.Err()
			if tc.wantNil {
				if err != nil {
					t.Fatalf("Err() = %v, want nil", err)
				}
				return
			}
			e := As(err)
			if e.Code != tc.wantCode || e.Field != tc.wantField || len(e.Fields) != tc.wantFields {
				t.Errorf("Err() = %+v, want %s %q with %d fields", e, tc.wantCode, tc.wantField, tc.wantFields)
			}
		})
	}
}
