package nid

import (
	"net/url"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

func TestQuery(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		bad      bool
	}{
		{"", "", false},
		{" a123456789 ", "A123456789", false},
		{"A123456788", "", true},
		{"王小明", "", true},
	} {
		got, err := Query(url.Values{"nationalId": {tc.in}}, "nationalId")
		if got != tc.want || (err != nil) != tc.bad {
			t.Errorf("%q: %q, %v", tc.in, got, err)
		}
		if err != nil && errcode.As(err).Field != "nationalId" {
			t.Errorf("%q: field %q", tc.in, errcode.As(err).Field)
		}
	}
}
