package catalog

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Restriction is a course's 限某機關同仁報名 list: "323000000A;323*" admits
// exactly 323000000A and every agency whose code starts with 323. The empty
// restriction admits everyone. Course maintenance validates it and
// enrollment (X5) matches with it: one parser, one matcher.
type Restriction struct {
	Exact    []string // whole agency codes
	Prefixes []string // code prefixes (the part before *)
}

var (
	fullCode   = regexp.MustCompile(`^[0-9]{9}[A-Z]$`)
	codePrefix = regexp.MustCompile(`^[0-9]{1,9}$`)
)

// ParseRestriction reads a restriction list. Full-width characters count as
// their half-width forms (；→; ＊→*), letters are folded to upper case and a
// single trailing ";" is tolerated; an empty entry, a prefix that is not
// digits, or a code of the wrong shape is refused, naming the entry.
func ParseRestriction(s string) (Restriction, error) {
	s = strings.TrimSpace(norm.NFKC.String(s))
	var r Restriction
	if s == "" {
		return r, nil
	}
	s = strings.TrimSuffix(s, ";")
	seen := map[string]bool{}
	for i, tok := range strings.Split(s, ";") {
		tok = strings.ToUpper(strings.TrimSpace(tok))
		bad := func(why string) error {
			return errcode.Field("restriction", fmt.Sprintf("限某機關同仁報名的第 %d 項「%s」%s；格式例如 323000000A;323*，以半形分號分隔。", i+1, tok, why))
		}
		switch {
		case tok == "":
			return Restriction{}, bad("是空的")
		case seen[tok]:
			continue
		case strings.HasSuffix(tok, "*"):
			p := strings.TrimSuffix(tok, "*")
			if !codePrefix.MatchString(p) {
				return Restriction{}, bad("不是有效的代碼開頭（* 之前須為 1 至 9 位數字）")
			}
			r.Prefixes = append(r.Prefixes, p)
		case fullCode.MatchString(tok):
			r.Exact = append(r.Exact, tok)
		default:
			return Restriction{}, bad("不是有效的機關代碼（9 位數字加 1 個英文字母）")
		}
		seen[tok] = true
	}
	return r, nil
}

// String is the canonical form stored with the course.
func (r Restriction) String() string {
	parts := append([]string{}, r.Exact...)
	for _, p := range r.Prefixes {
		parts = append(parts, p+"*")
	}
	return strings.Join(parts, ";")
}

// Open reports whether the restriction admits every agency.
func (r Restriction) Open() bool { return len(r.Exact) == 0 && len(r.Prefixes) == 0 }

// Allows reports whether a learner of agency code may enroll.
func (r Restriction) Allows(code string) bool {
	if r.Open() {
		return true
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, e := range r.Exact {
		if code == e {
			return true
		}
	}
	for _, p := range r.Prefixes {
		if strings.HasPrefix(code, p) {
			return true
		}
	}
	return false
}
