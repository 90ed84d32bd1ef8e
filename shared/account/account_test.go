package account

import (
	"regexp"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"golang.org/x/crypto/bcrypt"
)

func TestCheckStrength(t *testing.T) {
	tests := []struct {
		pw, user string
		ok       bool
	}{
		{"Abcdef12345!", "", true},
		{"Abc12!", "", false},                                 // too short
		{"abcdefg12345!", "", false},                          // no upper case
		{"ABCDEFG12345!", "", false},                          // no lower case
		{"Abcdefghijkl!", "", false},                          // no digit
		{"Abcdefg123456", "", false},                          // no symbol
		{"Stats.moi-2026X", "stats.moi", false},               // contains the user name
		{"密碼Abcdef123!", "", true},                            // CJK counts as characters
		{"Abcdef12345!" + strings.Repeat("x", 60), "", true},  // 72 bytes: bcrypt's limit
		{"Abcdef12345!" + strings.Repeat("x", 61), "", false}, // 73 bytes: bcrypt would refuse to hash it (a 500)
		{"Abcdef12345!" + strings.Repeat("密", 21), "", false}, // 75 bytes in 33 characters
	}
	for _, tt := range tests {
		err := CheckStrength(tt.pw, tt.user)
		if (err == nil) != tt.ok {
			t.Errorf("CheckStrength(%q) = %v, want ok=%v", tt.pw, err, tt.ok)
		}
		if err != nil && !errcode.Is(err, errcode.WeakPassword) {
			t.Errorf("CheckStrength(%q) code %v", tt.pw, err)
		}
	}
}

func TestTempPassword(t *testing.T) {
	shape := regexp.MustCompile(`^[A-HJ-NP-Za-km-z2-9]{4}-[A-HJ-NP-Za-km-z2-9]{4}-[A-HJ-NP-Za-km-z2-9]{4}$`)
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		p := TempPassword()
		if !shape.MatchString(p) || CheckStrength(p, "") != nil || seen[p] {
			t.Fatalf("TempPassword() = %q (strength %v, repeat %v)", p, CheckStrength(p, ""), seen[p])
		}
		seen[p] = true
	}
}

func TestMemberInputValid(t *testing.T) {
	base := func() MemberInput {
		return MemberInput{ID: "a.b", Name: "王小明", Agency: "301000000A", Grants: map[string][]string{"301000000A": {"L2"}}}
	}
	bad := map[string]func(*MemberInput){
		"short id":          func(m *MemberInput) { m.ID = "a" },
		"no name":           func(m *MemberInput) { m.Name = " " },
		"bad email":         func(m *MemberInput) { m.Email = "x@" },
		"bad agency":        func(m *MemberInput) { m.Agency = "301" },
		"serves own agency": func(m *MemberInput) { m.Serves = []string{"301000000A"} },
		"grant elsewhere":   func(m *MemberInput) { m.Grants["379000000A"] = []string{"L2"} },
		"unknown function":  func(m *MemberInput) { m.Grants["301000000A"] = []string{"Z9"} },
	}
	ok := base()
	if err := ok.Valid(); err != nil {
		t.Fatalf("valid input refused: %v", err)
	}
	for name, mutate := range bad {
		in := base()
		mutate(&in)
		if err := in.Valid(); !errcode.Is(err, errcode.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// The unknown-user path must cost what a real check costs, so the written-out
// hash must be a valid hash at the cost real passwords use.
func TestDummyHashMatchesTheRealCost(t *testing.T) {
	cost, err := bcrypt.Cost(dummyHash)
	if err != nil {
		t.Fatalf("dummyHash is not a bcrypt hash: %v", err)
	}
	if cost != BcryptCost {
		t.Errorf("dummyHash has cost %d, passwords use %d", cost, BcryptCost)
	}
	if bcrypt.CompareHashAndPassword(dummyHash, []byte("not a password")) != nil {
		t.Error("dummyHash is not the hash of its documented text")
	}
}
