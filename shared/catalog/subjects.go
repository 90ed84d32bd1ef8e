package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Subject is one entry of the national subject list (科目), shared by courses
// and lecturers. Its key is its normalised name, so typing 「公文寫作」 and
// 「公文 寫作」 names the same subject and never adds a duplicate.
type Subject struct {
	Key      string    `dynamo:"key" json:"key"`
	Name     string    `dynamo:"name" json:"name"`
	Category string    `dynamo:"category,omitempty" json:"category,omitempty"`
	Agency   string    `dynamo:"agency" json:"agency"` // who added it
	Created  time.Time `dynamo:"created" json:"created"`
}

type subjectItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	Subject
}

const subjectScope = "S"

func subjectDoc(s Subject) ngram.Doc {
	return ngram.Doc{Scope: subjectScope, Sort: s.Key, Key: s.Key, N: s.Key}
}

// SubjectKeyed returns the item and postings of a subject (demo and bench loaders).
func SubjectKeyed(s Subject) []any {
	out := []any{subjectItem{PK: "SUBJECT#" + s.Key, SK: "SUBJECT", GSI1PK: "SUBJECTS", GSI1SK: s.Key, Subject: s}}
	for _, p := range subjectDoc(s).Postings() {
		out = append(out, p)
	}
	return out
}

// NewSubject returns the subject a typed name stands for.
func NewSubject(name, category, agency string, now time.Time) (Subject, error) {
	name, err := text("name", "科目名稱", name, true, 50)
	if err != nil {
		return Subject{}, err
	}
	if strings.Contains(name, "|") {
		return Subject{}, errcode.Field("name", "科目名稱不可含有「|」。")
	}
	return Subject{Key: normalize(name), Name: name, Category: category, Agency: agency, Created: now}, nil
}

// EnsureSubject adds s unless a subject with the same key exists, and returns
// the stored one. Two officers adding the same name at once get one subject.
func (r Repo) EnsureSubject(ctx context.Context, s Subject) (Subject, error) {
	ix := ngram.Index{Table: r.Table}
	err := saveIndexed(ctx, ix, subjectDoc(s).Postings(), nil, func() error {
		it := subjectItem{PK: "SUBJECT#" + s.Key, SK: "SUBJECT", GSI1PK: "SUBJECTS", GSI1SK: s.Key, Subject: s}
		err := r.Table.Put(it).If("attribute_not_exists(pk)").Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			return nil
		}
		return err
	})
	if err != nil {
		return Subject{}, fmt.Errorf("add subject %s: %w", s.Name, err)
	}
	return r.Subject(ctx, s.Key)
}

// Subject returns one subject by key.
func (r Repo) Subject(ctx context.Context, key string) (Subject, error) {
	it, err := store.Get[subjectItem](ctx, r.Table, "SUBJECT#"+key, "SUBJECT", "找不到這個科目。")
	return it.Subject, err
}

// SetSubjectCategory changes a subject's category code.
func (r Repo) SetSubjectCategory(ctx context.Context, key, category string) error {
	err := r.Table.Update("pk", "SUBJECT#"+key).Range("sk", "SUBJECT").If("attribute_exists(pk)").
		Set("category", category).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return errcode.New(errcode.NotFound, "找不到這個科目。")
	}
	return err
}

// SubjectPage is a page of subjects.
type SubjectPage struct {
	Items []Subject `json:"items"`
	Next  string    `json:"next,omitempty"`
}

// SearchSubjects finds subjects whose name contains q (any width), by name.
func (r Repo) SearchSubjects(ctx context.Context, q, after string, limit int) (SubjectPage, error) {
	n := normalize(q)
	if n == "" {
		var items []subjectItem
		query := r.Table.Get("gsi1pk", "SUBJECTS").Index("gsi1")
		if after != "" {
			query = query.Range("gsi1sk", dynamo.Greater, after)
		}
		if err := query.Limit(limit+1).All(ctx, &items); err != nil {
			return SubjectPage{}, fmt.Errorf("list subjects: %w", err)
		}
		var p SubjectPage
		for _, it := range items {
			p.Items = append(p.Items, it.Subject)
		}
		if len(p.Items) > limit {
			p.Items = p.Items[:limit]
			p.Next = p.Items[limit-1].Key
		}
		return p, nil
	}
	page, err := ngram.Index{Table: r.Table}.Search(ctx, ngram.Query{Scope: subjectScope, Terms: ngram.QueryGrams(n),
		N: n, After: after, Limit: limit})
	if err != nil {
		return SubjectPage{}, err
	}
	items, err := getMany(ctx, r.Table, "SUBJECT#", "SUBJECT", page.Keys, func(s subjectItem) string { return s.Key })
	if err != nil {
		return SubjectPage{}, err
	}
	p := SubjectPage{Next: page.Next}
	for _, it := range items {
		if strings.Contains(it.Key, n) { // verify: postings may be stale after a crash
			p.Items = append(p.Items, it.Subject)
		}
	}
	return p, nil
}
