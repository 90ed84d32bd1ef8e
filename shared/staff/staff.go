// Package staff holds the civil servants of each agency (同仁): the people the
// personnel functions report on and whose national IDs uploads name.
package staff

import (
	"context"
	"fmt"
	"sync"

	"github.com/guregu/dynamo/v2"
	"golang.org/x/sync/errgroup"

	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Person is one civil servant.
type Person struct {
	ID         string `dynamo:"id" json:"id"`
	NationalID string `dynamo:"nationalId" json:"nationalId"`
	Name       string `dynamo:"name" json:"name"`
	Gender     int    `dynamo:"gender" json:"gender"` // 1 male, 2 female
	Birth      string `dynamo:"birth" json:"birth"`   // ISO date
	Agency     string `dynamo:"agency" json:"agency"`
	Unit       string `dynamo:"unit" json:"unit"`         // internal unit (科、室)
	Title      string `dynamo:"title" json:"title"`       // 職稱
	Rank       string `dynamo:"rank" json:"rank"`         // 官職等
	Category   string `dynamo:"category" json:"category"` // 人員類別
	Member     bool   `dynamo:"member" json:"member"`     // registered on the portal
	// Status is the personnel system's 現職狀態 (Statuses); "" is 在職 (the
	// demo and older items). Only people in service are listed as staff.
	Status string `dynamo:"status,omitempty" json:"status,omitempty"`
	Email  string `dynamo:"email,omitempty" json:"email,omitempty"`
}

// Statuses are the personnel statuses a roster may give (人事資料 現職狀態):
// the first two are in service (counted as staff), the rest are not.
var Statuses = []string{"在職", "留職停薪", "退休", "離職", "資遣", "死亡"}

// InService reports whether p is counted as staff: 在職 or 留職停薪.
func (p Person) InService() bool {
	return p.Status == "" || p.Status == Statuses[0] || p.Status == Statuses[1]
}

type item struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk,omitempty"` // STAFF#<agency> while in service: the staff index is sparse
	GSI1SK string `dynamo:"gsi1sk,omitempty"`
	Person
}

// nidItem finds a person by national ID. It carries the person's agency,
// name, title and rank, so an upload of 200,000 rows checks its people, and
// stamps its records with their title and rank, with one read each.
type nidItem struct {
	PK       string `dynamo:"pk"`
	SK       string `dynamo:"sk"`
	PersonID string `dynamo:"personId"`
	Agency   string `dynamo:"agency"`
	Name     string `dynamo:"name"`
	Title    string `dynamo:"title,omitempty"`
	Rank     string `dynamo:"rank,omitempty"`
}

// Keyed returns the items of a person: the person, listed under the agency
// while in service, and the national-ID lookup (uploads name people by
// national ID; a person no longer in service keeps it, so that hours of the
// past can still be recorded to them).
func Keyed(p Person) []any {
	it := item{PK: "PERSON#" + p.ID, SK: "PERSON", Person: p}
	if p.InService() {
		it.GSI1PK, it.GSI1SK = "STAFF#"+p.Agency, p.Unit+"#"+p.Name+"#"+p.ID
	}
	return []any{it, nidItem{PK: "NID#" + p.NationalID, SK: "PERSON", PersonID: p.ID, Agency: p.Agency, Name: p.Name, Title: p.Title, Rank: p.Rank}}
}

// Repo reads people from the directory table.
type Repo struct{ Table dynamo.Table }

// GetMany returns the people found among ids, keyed by id.
func (r Repo) GetMany(ctx context.Context, ids []string) (map[string]Person, error) {
	out := make(map[string]Person, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]dynamo.Keyed, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			keys = append(keys, dynamo.Keys{"PERSON#" + id, "PERSON"})
		}
	}
	items, err := store.GetMany[item](ctx, r.Table, keys)
	if err != nil {
		return nil, fmt.Errorf("get people: %w", err)
	}
	for _, it := range items {
		out[it.ID] = it.Person
	}
	return out, nil
}

// Ref is what the national-ID lookup gives of a person.
type Ref struct {
	ID, Agency, Name string
	Title, Rank      string // 職稱、官職等 (empty when the directory has none)
}

// ByNationalIDs finds people by national ID (BatchGetItem of 100, four at
// once); unknown IDs are absent from the result.
func (r Repo) ByNationalIDs(ctx context.Context, nids []string) (map[string]Ref, error) {
	keys := make([]dynamo.Keyed, 0, len(nids))
	seen := map[string]bool{}
	for _, n := range nids {
		if !seen[n] {
			seen[n] = true
			keys = append(keys, dynamo.Keys{"NID#" + n, "PERSON"})
		}
	}
	out := make(map[string]Ref, len(keys))
	var mu sync.Mutex
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for start := 0; start < len(keys); start += 100 {
		part := keys[start:min(start+100, len(keys))]
		g.Go(func() error {
			items, err := store.GetMany[nidItem](ctx, r.Table, part)
			if err != nil {
				return fmt.Errorf("people by national ID: %w", err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, it := range items {
				out[it.PK[len("NID#"):]] = Ref{ID: it.PersonID, Agency: it.Agency, Name: it.Name, Title: it.Title, Rank: it.Rank}
			}
			return nil
		})
	}
	return out, g.Wait()
}

// OfAgency lists up to limit people of an agency, by unit and name.
func (r Repo) OfAgency(ctx context.Context, agency string, limit int) ([]Person, error) {
	var items []item
	if err := r.Table.Get("gsi1pk", "STAFF#"+agency).Index("gsi1").Limit(limit).All(ctx, &items); err != nil {
		return nil, fmt.Errorf("staff of %s: %w", agency, err)
	}
	out := make([]Person, len(items))
	for i, it := range items {
		out[i] = it.Person
	}
	return out, nil
}

// Filter narrows a listing of an agency's people. Empty fields match all.
type Filter struct {
	Unit       string // exact internal unit
	Name       string // part of the name
	NationalID string // exact
	Category   string // 人員類別
	Member     string // "yes": portal members only; "no": non-members only
	Rank       string // 官職等, exact
	Gender     int    // 1 male, 2 female; 0 both
}

// Page lists an agency's people by unit and name after the sort key after
// ("" from the start), at most limit, with f applied. It answers the sort key
// to continue from ("" at the end). A filter that matches few people may
// answer a short page with a next key (store.FilteredPage).
func (r Repo) Page(ctx context.Context, agency string, f Filter, after string, limit int) ([]Person, string, error) {
	items, next, err := store.FilteredPage(ctx, func(after string) *dynamo.Query {
		q := r.Table.Get("gsi1pk", "STAFF#"+agency).Index("gsi1")
		if after != "" {
			q = q.Range("gsi1sk", dynamo.Greater, after)
		}
		f.apply(q)
		return q
	}, "gsi1sk", func(it item) string { return it.GSI1SK }, after, limit)
	if err != nil {
		return nil, "", fmt.Errorf("staff of %s: %w", agency, err)
	}
	out := make([]Person, len(items))
	for i, it := range items {
		out[i] = it.Person
	}
	return out, next, nil
}

func (f Filter) apply(q *dynamo.Query) {
	if f.Unit != "" {
		q.Filter("$ = ?", "unit", f.Unit)
	}
	if f.Name != "" {
		q.Filter("contains($, ?)", "name", f.Name)
	}
	if f.NationalID != "" {
		q.Filter("$ = ?", "nationalId", f.NationalID)
	}
	if f.Category != "" {
		q.Filter("$ = ?", "category", f.Category)
	}
	if f.Rank != "" {
		q.Filter("$ = ?", "rank", f.Rank)
	}
	if f.Gender != 0 {
		q.Filter("$ = ?", "gender", f.Gender)
	}
	switch f.Member {
	case "yes":
		q.Filter("$ = ?", "member", true)
	case "no":
		q.Filter("$ <> ?", "member", true)
	}
}

// Count counts an agency's people and, of them, the portal members (P13).
// Both are one COUNT query (the items are read but not sent).
func (r Repo) Count(ctx context.Context, agency string) (staff, members int, err error) {
	staff, err = r.Table.Get("gsi1pk", "STAFF#"+agency).Index("gsi1").Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("count staff of %s: %w", agency, err)
	}
	members, err = r.Table.Get("gsi1pk", "STAFF#"+agency).Index("gsi1").Filter("$ = ?", "member", true).Count(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("count members of %s: %w", agency, err)
	}
	return staff, members, nil
}
