package catalog

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Material is a digital learning material an agency reports (數位教材資訊通報,
// L7). Every agency sees every material; only the reporting agency edits it.
type Material struct {
	ID         string    `dynamo:"id" json:"id"`
	Agency     string    `dynamo:"agency" json:"agency"`
	AgencyName string    `dynamo:"agencyName" json:"agencyName"`
	Name       string    `dynamo:"name" json:"name"`           // 教材名稱 *
	Category   string    `dynamo:"category" json:"category"`   // 課程類別 *
	Hours      int       `dynamo:"hours" json:"hours"`         // 時數 *
	URL        string    `dynamo:"url" json:"url"`             // 教材網址 *
	Published  string    `dynamo:"published" json:"published"` // 上架日期 *, ISO
	Audience   string    `dynamo:"audience,omitempty" json:"audience"`
	Summary    string    `dynamo:"summary,omitempty" json:"summary"`
	Contact    string    `dynamo:"contact,omitempty" json:"contact"`
	Created    time.Time `dynamo:"created" json:"created"`
	Updated    time.Time `dynamo:"updated" json:"updated"`
}

type materialItem struct {
	PK     string   `dynamo:"pk"`
	SK     string   `dynamo:"sk"`
	GSI1PK string   `dynamo:"gsi1pk"` // MATERIALS
	GSI1SK string   `dynamo:"gsi1sk"` // <created>#<id>: newest first
	NName  string   `dynamo:"nName"`
	PX     []string `dynamo:"px,omitempty"`
	Material
}

const materialScope = "M"

// materialTags lets one contains() filter on a posting test the category
// (or any category above it) and the agency.
func materialTags(m Material, cats *codes.Table) string {
	tags := []string{"a:" + m.Agency}
	for code := m.Category; code != ""; {
		tags = append(tags, "c:"+code)
		e, ok := cats.Lookup(code)
		if !ok {
			break
		}
		code = e.Parent
	}
	return "|" + strings.Join(tags, "|") + "|"
}

func materialPostings(m Material, cats *codes.Table) []ngram.Posting {
	n := normalize(m.Name)
	return ngram.Doc{Scope: materialScope, Sort: n + "#" + m.ID, Key: m.ID, N: n, X: materialTags(m, cats)}.Postings()
}

func materialKeyed(m Material, cats *codes.Table) materialItem {
	return materialItem{PK: "MAT#" + m.ID, SK: "MAT", GSI1PK: "MATERIALS",
		GSI1SK: m.Created.UTC().Format(time.RFC3339Nano) + "#" + m.ID, NName: normalize(m.Name),
		PX: ngram.Refs(materialPostings(m, cats)), Material: m}
}

// MaterialKeyed returns the item and postings of a material (demo loader).
func MaterialKeyed(m Material, cats *codes.Table) []any {
	out := []any{materialKeyed(m, cats)}
	for _, p := range materialPostings(m, cats) {
		out = append(out, p)
	}
	return out
}

// MaterialInput is a material as the officer fills it in.
type MaterialInput struct {
	Name      string    `json:"name"`
	Category  string    `json:"category"`
	Hours     float64   `json:"hours"`
	URL       string    `json:"url" max:"500"`
	Published string    `json:"published"`
	Audience  string    `json:"audience"`
	Summary   string    `json:"summary" max:"2000,multiline"`
	Contact   string    `json:"contact"`
	Updated   time.Time `json:"updated"`
}

// Material checks the input (the fields marked * are required).
func (in MaterialInput) Material(cats *codes.Table) (Material, error) {
	var m Material
	var err error
	if m.Name, err = text("name", "教材名稱", in.Name, true, maxName); err != nil {
		return m, err
	}
	if m.Category = strings.TrimSpace(in.Category); m.Category == "" {
		return m, errcode.Field("category", "請選擇課程類別。")
	}
	if _, ok := cats.Lookup(m.Category); !ok {
		return m, errcode.Field("category", fmt.Sprintf("課程類別代碼 %s 不在類別代碼表中。", m.Category))
	}
	if m.Hours, err = Whole("hours", "時數", in.Hours, 1, 9999); err != nil {
		return m, err
	}
	m.URL = strings.TrimSpace(in.URL)
	if m.URL == "" {
		return m, errcode.Field("url", "請填寫教材網址。")
	}
	if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(m.URL) > 500 {
		return m, errcode.Field("url", "教材網址須為 http:// 或 https:// 開頭的完整網址。")
	}
	if m.Published, err = date("published", "上架日期", in.Published, true); err != nil {
		return m, err
	}
	if m.Audience, err = text("audience", "適用對象", in.Audience, false, maxName); err != nil {
		return m, err
	}
	if m.Contact, err = text("contact", "聯絡資訊", in.Contact, false, maxName); err != nil {
		return m, err
	}
	if m.Summary = strings.TrimSpace(in.Summary); len([]rune(m.Summary)) > 2000 {
		return m, errcode.Field("summary", "簡介不可超過 2000 字。")
	}
	return m, nil
}

// Material returns a material by id.
func (r Repo) Material(ctx context.Context, id string) (Material, error) {
	it, err := r.materialItem(ctx, id)
	return it.Material, err
}

func (r Repo) materialItem(ctx context.Context, id string) (materialItem, error) {
	return store.Get[materialItem](ctx, r.Table, "MAT#"+id, "MAT", "找不到這筆數位教材。")
}

// SaveMaterial creates m (prev zero) or replaces it if unchanged since prev.
func (r Repo) SaveMaterial(ctx context.Context, m Material, prev time.Time, cats *codes.Table) error {
	return r.saveEntity(ctx, "MAT#"+m.ID, "MAT", materialKeyed(m, cats), materialPostings(m, cats), prev, "筆教材")
}

// MaterialFilter is a material search.
type MaterialFilter struct {
	Name     string // partial
	Category string // the code or any below it
	Agency   string // only this agency's
	After    string
	Limit    int
}

// MaterialPage is a page of materials.
type MaterialPage struct {
	Items []Material `json:"items"`
	Next  string     `json:"next,omitempty"`
}

// SearchMaterials finds materials by partial name (by name), or lists them
// newest first when no name is given.
func (r Repo) SearchMaterials(ctx context.Context, f MaterialFilter) (MaterialPage, error) {
	n := normalize(f.Name)
	var tags []string
	if f.Category != "" {
		tags = append(tags, "|c:"+f.Category+"|")
	}
	if f.Agency != "" {
		tags = append(tags, "|a:"+f.Agency+"|")
	}
	if n == "" {
		query := r.Table.Get("gsi1pk", "MATERIALS").Index("gsi1").Order(dynamo.Descending)
		if f.After != "" {
			query = query.Range("gsi1sk", dynamo.Less, f.After)
		}
		if f.Category != "" {
			query = query.Filter("begins_with($, ?)", "category", f.Category)
		}
		if f.Agency != "" {
			query = query.Filter("$ = ?", "agency", f.Agency)
		}
		var items []materialItem
		if err := query.Limit(f.Limit+1).All(ctx, &items); err != nil {
			return MaterialPage{}, fmt.Errorf("list materials: %w", err)
		}
		var p MaterialPage
		if len(items) > f.Limit {
			items = items[:f.Limit]
			p.Next = items[f.Limit-1].GSI1SK
		}
		for _, it := range items {
			p.Items = append(p.Items, it.Material)
		}
		return p, nil
	}
	q := ngram.Query{Scope: materialScope, Terms: ngram.QueryGrams(n), N: n, After: f.After, Limit: f.Limit}
	// One contains() per tag would need two X filters; the common case is one.
	if len(tags) > 0 {
		q.X = tags[0]
	}
	page, err := ngram.Index{Table: r.Table}.Search(ctx, q)
	if err != nil {
		return MaterialPage{}, err
	}
	items, err := getMany(ctx, r.Table, "MAT#", "MAT", page.Keys, func(m materialItem) string { return m.ID })
	if err != nil {
		return MaterialPage{}, err
	}
	p := MaterialPage{Next: page.Next}
	for _, it := range items {
		if !strings.Contains(it.NName, n) || (f.Agency != "" && it.Agency != f.Agency) ||
			(f.Category != "" && !strings.HasPrefix(it.Category, f.Category)) {
			continue
		}
		p.Items = append(p.Items, it.Material)
	}
	return p, nil
}
