package httpapi

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

func TestSlice(t *testing.T) {
	all := []int{1, 2, 3, 4, 5}
	for _, tc := range []struct {
		query    string
		want     []int
		wantNext string
		bad      bool
	}{
		{"", []int{1, 2}, "2", false},
		{"?next=2", []int{3, 4}, "4", false},
		{"?next=4", []int{5}, "", false},
		{"?next=9", []int{}, "", false},
		{"?next=-1", nil, "", true},
		{"?next=x", nil, "", true},
	} {
		r := httptest.NewRequest("GET", "/x"+tc.query, nil)
		got, next, err := Slice(r, all, 2)
		if tc.bad {
			if !errcode.Is(err, errcode.Invalid) {
				t.Errorf("%s: err %v, want invalid", tc.query, err)
			}
			continue
		}
		if err != nil || next != tc.wantNext || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %v %q %v, want %v %q", tc.query, got, next, err, tc.want, tc.wantNext)
		}
	}
	// Three rows in a page of three: no next page.
	if _, next, _ := Slice(httptest.NewRequest("GET", "/x", nil), []int{1, 2, 3}, 3); next != "" {
		t.Errorf("a full last page has no next: %q", next)
	}
}
