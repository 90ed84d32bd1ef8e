package ngram

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Posting is one index item: entity Key is found under term in scope.
type Posting struct {
	PK  string `dynamo:"pk"`          // NG#<scope>#<term>
	SK  string `dynamo:"sk"`          // the entity's sort key: results come back in this order
	Key string `dynamo:"k"`           // the entity's id
	N   string `dynamo:"n"`           // the normalised primary text (a name), for contains filters
	X   string `dynamo:"x,omitempty"` // normalised secondary text (e.g. |subject|subject|)
}

// Ref names a posting item as "<pk>\n<sk>", what an entity keeps of the
// postings it wrote so a later change can remove them.
func (p Posting) Ref() string { return p.PK + "\n" + p.SK }

// Doc is an entity as the index sees it.
type Doc struct {
	Scope string   // e.g. "L#PUB": the partitions searched together
	Sort  string   // the entity's sort key, unique in the scope (e.g. name#id)
	Key   string   // the entity's id
	N     string   // primary text, already normalised: indexed by its grams
	X     string   // secondary text, normalised: stored for filters, not indexed
	Terms []string // extra exact terms to index under (e.g. "s:<subject>")
}

// Postings returns the items that index d.
func (d Doc) Postings() []Posting {
	terms := append(Grams(d.N), d.Terms...)
	out := make([]Posting, 0, len(terms))
	seen := map[string]bool{}
	for _, t := range terms {
		if t == "" || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, Posting{PK: partition(d.Scope, t), SK: d.Sort, Key: d.Key, N: d.N, X: d.X})
	}
	return out
}

func partition(scope, term string) string { return "NG#" + scope + "#" + term }

// Refs lists the refs of postings.
func Refs(ps []Posting) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Ref()
	}
	return out
}

// Index reads and writes postings in one table.
type Index struct{ Table dynamo.Table }

// Sync makes the index hold want and none of had that want lacks. It is
// idempotent: a retry after a crash ends in the same state.
func (ix Index) Sync(ctx context.Context, want []Posting, had []string) error {
	keep := map[string]bool{}
	var items []any
	for _, p := range want {
		keep[p.Ref()] = true
		items = append(items, p)
	}
	var del []dynamo.Keyed
	for _, ref := range had {
		if keep[ref] {
			continue
		}
		pk, sk, ok := strings.Cut(ref, "\n")
		if !ok {
			return fmt.Errorf("malformed posting ref %q", ref)
		}
		del = append(del, dynamo.Keys{pk, sk})
	}
	if len(items) > 0 {
		if err := store.WriteAll(ctx, ix.Table, items, 4); err != nil {
			return fmt.Errorf("write postings: %w", err)
		}
	}
	for len(del) > 0 {
		n := min(len(del), 25)
		if _, err := ix.Table.Batch("pk", "sk").Write().Delete(del[:n]...).Run(ctx); err != nil {
			return fmt.Errorf("delete postings: %w", err)
		}
		del = del[n:]
	}
	return nil
}

// Query is one search.
type Query struct {
	Scope string
	// Terms are the partitions to read. Unless Union is set, every partition
	// holds every match (a query's grams) and the first to answer wins.
	Terms []string
	// Union: each partition holds some matches (e.g. one per subject); the
	// answer is their merge.
	Union bool
	N, X  string // the match must contain these (normalised); "" for no condition
	After string // the last sort key of the previous page
	Limit int
}

// Page is one page of matches, in sort-key order.
type Page struct {
	Keys []string
	Next string // pass as After for the next page; "" when this is the last
}

// Search returns one page of the entities matching q.
func (ix Index) Search(ctx context.Context, q Query) (Page, error) {
	if len(q.Terms) == 0 || q.Limit <= 0 {
		return Page{}, nil
	}
	if q.Union {
		return ix.union(ctx, q)
	}
	return ix.race(ctx, q)
}

func (ix Index) read(ctx context.Context, q Query, term string) ([]Posting, error) {
	query := ix.Table.Get("pk", partition(q.Scope, term))
	if q.After != "" {
		query = query.Range("sk", dynamo.Greater, q.After)
	}
	if q.N != "" {
		query = query.Filter("contains($, ?)", "n", q.N)
	}
	if q.X != "" {
		query = query.Filter("contains($, ?)", "x", q.X)
	}
	var out []Posting
	err := query.Limit(q.Limit+1).All(ctx, &out)
	return out, err
}

type result struct {
	ps  []Posting
	err error
}

// race reads every term's partition at once and keeps the first answer.
func (ix Index) race(ctx context.Context, q Query) (Page, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make(chan result, len(q.Terms))
	for _, t := range q.Terms {
		go func() {
			ps, err := ix.read(ctx, q, t)
			results <- result{ps, err}
		}()
	}
	var errs []error
	for range q.Terms {
		r := <-results
		if r.err == nil {
			return page(r.ps, q.Limit), nil
		}
		errs = append(errs, r.err)
	}
	return Page{}, fmt.Errorf("search %s: %w", q.Scope, errors.Join(errs...))
}

// union reads every term's partition and merges them.
func (ix Index) union(ctx context.Context, q Query) (Page, error) {
	results := make(chan result, len(q.Terms))
	for _, t := range q.Terms {
		go func() {
			ps, err := ix.read(ctx, q, t)
			results <- result{ps, err}
		}()
	}
	var all []Posting
	var errs []error
	for range q.Terms {
		r := <-results
		errs = append(errs, r.err)
		all = append(all, r.ps...)
	}
	if err := errors.Join(errs...); err != nil {
		return Page{}, fmt.Errorf("search %s: %w", q.Scope, err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].SK < all[j].SK })
	uniq := all[:0]
	for i, p := range all {
		if i == 0 || p.SK != all[i-1].SK {
			uniq = append(uniq, p)
		}
	}
	return page(uniq, q.Limit), nil
}

func page(ps []Posting, limit int) Page {
	var p Page
	if len(ps) > limit {
		ps = ps[:limit]
		p.Next = ps[limit-1].SK
	}
	for _, x := range ps {
		p.Keys = append(p.Keys, x.Key)
	}
	return p
}
