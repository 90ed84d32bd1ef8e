package catalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// saveIndexed writes an entity and its search postings in the order that
// never hides it from a search: (1) the new postings (idempotent puts), (2)
// the entity itself (the caller's conditional write), (3) removal of the
// postings it no longer has. A crash between steps leaves extra postings,
// never missing ones; every search re-checks the entities it found (see
// verify in each reader), so an extra posting never shows a wrong result.
//
// A refused write (a conflict, a version changed meanwhile) takes back the
// postings step 1 added, so a refused request leaves nothing behind.
func saveIndexed(ctx context.Context, ix ngram.Index, want []ngram.Posting, had []string, write func() error) error {
	if err := ix.Sync(ctx, want, nil); err != nil {
		return err
	}
	if err := write(); err != nil {
		old := map[string]bool{}
		for _, r := range had {
			old[r] = true
		}
		var added []string
		for _, p := range want {
			if !old[p.Ref()] {
				added = append(added, p.Ref())
			}
		}
		if uerr := ix.Sync(ctx, nil, added); uerr != nil {
			return errors.Join(err, fmt.Errorf("take back postings of a refused write: %w", uerr))
		}
		return err
	}
	keep := map[string]bool{}
	for _, p := range want {
		keep[p.Ref()] = true
	}
	var stale []string
	for _, r := range had {
		if !keep[r] {
			stale = append(stale, r)
		}
	}
	return ix.Sync(ctx, nil, stale)
}

// saveEntity creates an indexed entity (prev zero: it must not exist) or
// replaces it if nobody saved it since prev was read, with its postings.
func (r Repo) saveEntity(ctx context.Context, pk, sk string, item any, postings []ngram.Posting, prev time.Time, what string) error {
	var had []string
	if !prev.IsZero() {
		var old struct {
			PX []string `dynamo:"px"`
		}
		err := r.Table.Get("pk", pk).Range("sk", dynamo.Equal, sk).Consistent(true).One(ctx, &old)
		if errors.Is(err, dynamo.ErrNotFound) {
			return errcode.New(errcode.NotFound, "找不到這"+what+"。")
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", pk, err)
		}
		had = old.PX
	}
	return saveIndexed(ctx, ngram.Index{Table: r.Table}, postings, had, func() error {
		put := r.Table.Put(item)
		if prev.IsZero() {
			put = put.If("attribute_not_exists(pk)")
		} else {
			put = put.If("$ = ?", "updated", prev)
		}
		err := put.Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			if prev.IsZero() {
				return errcode.New(errcode.Conflict, "這"+what+"已存在。")
			}
			return errcode.New(errcode.Conflict, "這"+what+"的資料剛被其他人修改過，請重新載入後再編輯。")
		}
		return err
	})
}

// pipes joins normalised names as |a|b|, so contains(x, q) matches within one name.
func pipes(list []string) string {
	if len(list) == 0 {
		return ""
	}
	n := make([]string, len(list))
	for i, s := range list {
		n[i] = normalize(s)
	}
	return "|" + strings.Join(n, "|") + "|"
}

// getMany reads entities by primary key in one BatchGetItem per 100, keeping
// the order of ids; missing ones are dropped.
func getMany[T any](ctx context.Context, t dynamo.Table, prefix, sk string, ids []string, id func(T) string) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	keys := make([]dynamo.Keyed, len(ids))
	for i, k := range ids {
		keys[i] = dynamo.Keys{prefix + k, sk}
	}
	got, err := store.GetMany[T](ctx, t, keys)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", strings.TrimSuffix(prefix, "#"), err)
	}
	byID := make(map[string]T, len(got))
	for _, g := range got {
		byID[id(g)] = g
	}
	out := make([]T, 0, len(ids))
	for _, k := range ids {
		if g, ok := byID[k]; ok {
			out = append(out, g)
		}
	}
	return out, nil
}
