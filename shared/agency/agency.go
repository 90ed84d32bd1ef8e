// Package agency holds the agency tree (X3): every agency has a 10-character
// code, a parent, a level and a kind, and a materialised path of codes from the
// root so that "this agency and everything under it" is one key-prefix query.
package agency

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Kind separates agencies, schools and state-owned enterprises (P11).
type Kind string

const (
	KindAgency     Kind = "agency"
	KindSchool     Kind = "school"
	KindEnterprise Kind = "enterprise"
)

// KindNames are the zh-TW names used in the roster file.
var KindNames = map[Kind]string{KindAgency: "機關", KindSchool: "學校", KindEnterprise: "事業機構"}

// Agency is one node of the tree.
type Agency struct {
	Code   string `dynamo:"code" json:"code"`
	Name   string `dynamo:"name" json:"name"`
	Parent string `dynamo:"parent,omitempty" json:"parent,omitempty"`
	Level  int    `dynamo:"level" json:"level"`
	Kind   Kind   `dynamo:"kind" json:"kind"`
	Path   string `dynamo:"path" json:"-"` // root/.../code
}

// Contains reports whether other is a or lies below it.
func (a Agency) Contains(other Agency) bool {
	return a.Path != "" && (other.Path == a.Path || strings.HasPrefix(other.Path, a.Path+"/"))
}

var codeRe = regexp.MustCompile(`^[0-9A-Z]{10}$`)

// ValidCode reports whether s looks like a 機關代碼.
func ValidCode(s string) bool { return codeRe.MatchString(s) }

type item struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	Agency
}

const (
	treePK = "AGTREE"
	sk     = "AGENCY"
)

func key(code string) string { return "AGENCY#" + code }

// Repo reads and writes agencies in the directory table.
type Repo struct{ Table dynamo.Table }

// Get returns one agency, or a NotFound error.
func (r Repo) Get(ctx context.Context, code string) (Agency, error) {
	var it item
	err := r.Table.Get("pk", key(code)).Range("sk", dynamo.Equal, sk).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Agency{}, errcode.New(errcode.NotFound, fmt.Sprintf("找不到機關 %s。", code))
	}
	if err != nil {
		return Agency{}, fmt.Errorf("get agency %s: %w", code, err)
	}
	return it.Agency, nil
}

// GetMany returns the agencies found among codes, keyed by code.
func (r Repo) GetMany(ctx context.Context, codes []string) (map[string]Agency, error) {
	out := map[string]Agency{}
	if len(codes) == 0 {
		return out, nil
	}
	seen := map[string]bool{}
	var keys []dynamo.Keyed
	for _, c := range codes {
		if !seen[c] {
			seen[c] = true
			keys = append(keys, dynamo.Keys{key(c), sk})
		}
	}
	items, err := store.GetMany[item](ctx, r.Table, keys)
	if err != nil {
		return nil, fmt.Errorf("get agencies: %w", err)
	}
	for _, it := range items {
		out[it.Code] = it.Agency
	}
	return out, nil
}

// Subtree returns a and every agency below it, ordered by path.
func (r Repo) Subtree(ctx context.Context, a Agency) ([]Agency, error) {
	var items []item
	err := r.Table.Get("gsi1pk", treePK).Index("gsi1").Range("gsi1sk", dynamo.BeginsWith, a.Path).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("subtree of %s: %w", a.Code, err)
	}
	out := make([]Agency, 0, len(items))
	for _, it := range items {
		if a.Contains(it.Agency) { // BeginsWith "A/B" also matches "A/BC"
			out = append(out, it.Agency)
		}
	}
	return out, nil
}

// All returns every agency, keyed by code (a few thousand small items: one
// paged query of the tree partition; used by the nightly batch only).
func (r Repo) All(ctx context.Context) (map[string]Agency, error) {
	var items []item
	if err := r.Table.Get("gsi1pk", treePK).Index("gsi1").All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list agencies: %w", err)
	}
	out := make(map[string]Agency, len(items))
	for _, it := range items {
		out[it.Code] = it.Agency
	}
	return out, nil
}

// PutAll writes agencies (paths already set), in parallel batches.
func (r Repo) PutAll(ctx context.Context, agencies []Agency) error {
	items := make([]any, 0, len(agencies))
	for _, a := range agencies {
		items = append(items, Keyed(a))
	}
	if err := store.WriteAll(ctx, r.Table, items, 4); err != nil {
		return fmt.Errorf("write agencies: %w", err)
	}
	return nil
}

// BuildPaths fills Level-consistent paths for a whole roster and checks the
// tree: every parent exists, no cycles. Agencies are returned parents first.
func BuildPaths(list []Agency) ([]Agency, error) {
	byCode := make(map[string]*Agency, len(list))
	for i := range list {
		if _, dup := byCode[list[i].Code]; dup {
			return nil, fmt.Errorf("機關代碼 %s 重複", list[i].Code)
		}
		byCode[list[i].Code] = &list[i]
	}
	var resolve func(a *Agency, depth int) (string, error)
	resolve = func(a *Agency, depth int) (string, error) {
		if a.Path != "" {
			return a.Path, nil
		}
		if depth > 20 {
			return "", fmt.Errorf("機關 %s 的上級機關形成循環", a.Code)
		}
		if a.Parent == "" {
			a.Path = a.Code
			return a.Path, nil
		}
		p, ok := byCode[a.Parent]
		if !ok {
			return "", fmt.Errorf("機關 %s 的上級機關 %s 不在名冊中", a.Code, a.Parent)
		}
		pp, err := resolve(p, depth+1)
		if err != nil {
			return "", err
		}
		a.Path = pp + "/" + a.Code
		return a.Path, nil
	}
	for i := range list {
		if _, err := resolve(&list[i], 0); err != nil {
			return nil, err
		}
	}
	out := append([]Agency(nil), list...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Keyed returns the item of an agency with its tree index keys (for bulk loads).
func Keyed(a Agency) any {
	return item{PK: key(a.Code), SK: sk, GSI1PK: treePK, GSI1SK: a.Path, Agency: a}
}
