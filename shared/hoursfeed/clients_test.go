package hoursfeed

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

func TestHasherKeepsOnlyAPepperedHash(t *testing.T) {
	keyA, keyB := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	a, err := NewHasher(keyA)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewHasher(keyB)
	secret := NewSecret()
	stored := a.Hash(secret)
	flip := "A"
	if secret[0] == 'A' {
		flip = "B"
	}
	cases := []struct {
		name string
		got  bool
		want bool
	}{
		{"the secret matches its hash", a.Matches(secret, stored), true},
		{"another secret does not", a.Matches(NewSecret(), stored), false},
		{"a secret differing in one character does not", a.Matches(flip+secret[1:], stored), false},
		{"another system key (pepper) does not", b.Matches(secret, stored), false},
		{"the stored form is not the secret", strings.Contains(stored, secret), false},
		{"the stored form is 64 hex digits", len(stored) == 64 && strings.Trim(stored, "0123456789abcdef") == "", true},
		{"two secrets are different", NewSecret() == NewSecret(), false},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %v", c.name, c.got)
		}
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Error("a short system key was accepted")
	}
}

func TestRegisterRequestValid(t *testing.T) {
	cases := []struct {
		name, platform, agency string
		fields                 []string
	}{
		{"valid", " E等公務園+ ", "301000000A", nil},
		{"no name", "", "301000000A", []string{"name"}},
		{"name over 50", strings.Repeat("學", 51), "301000000A", []string{"name"}},
		{"bad agency", "平臺", "301", []string{"agency"}},
		{"both", "", "", []string{"name", "agency"}},
	}
	for _, c := range cases {
		in := RegisterRequest{Name: c.platform, Agency: c.agency}
		err := in.Valid()
		var got []string
		if e := errcode.As(err); err != nil {
			if len(e.Fields) > 0 {
				for _, f := range e.Fields {
					got = append(got, f.Field)
				}
			} else {
				got = []string{e.Field}
			}
		}
		if strings.Join(got, ",") != strings.Join(c.fields, ",") {
			t.Errorf("%s: fields %v, want %v (%v)", c.name, got, c.fields, err)
		}
	}
}
