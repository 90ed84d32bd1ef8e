package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Lecturer is a lecturer of one agency (L3). With Public set, every agency
// finds them in the lecturer database (L4), without the private fields.
type Lecturer struct {
	ID         string    `dynamo:"id" json:"id"`
	Agency     string    `dynamo:"agency" json:"agency"`
	AgencyName string    `dynamo:"agencyName" json:"agencyName"`
	Name       string    `dynamo:"name" json:"name"`
	Title      string    `dynamo:"title,omitempty" json:"title"`           // 現職
	Education  string    `dynamo:"education,omitempty" json:"education"`   // 最高學歷
	Experience string    `dynamo:"experience,omitempty" json:"experience"` // 經歷
	Expertise  []string  `dynamo:"expertise,omitempty" json:"expertise"`   // expertise codes
	Subjects   []string  `dynamo:"subjects" json:"subjects"`               // 可授科目 1…n
	Public     bool      `dynamo:"public,omitempty" json:"public"`
	Note       string    `dynamo:"note,omitempty" json:"note"`
	Private              // never shown to another agency
	Created    time.Time `dynamo:"created" json:"created"`
	Updated    time.Time `dynamo:"updated" json:"updated"`
}

// Private is what only the owning agency sees of a lecturer.
type Private struct {
	NationalID string `dynamo:"nationalId,omitempty" json:"nationalId"`
	Phone      string `dynamo:"phone,omitempty" json:"phone"`
	Email      string `dynamo:"email,omitempty" json:"email"`
	Address    string `dynamo:"address,omitempty" json:"address"`
}

// PublicLecturer is a lecturer as another agency sees them (L4).
type PublicLecturer struct {
	ID         string   `json:"id"`
	Agency     string   `json:"agency"`
	AgencyName string   `json:"agencyName"`
	Name       string   `json:"name"`
	Title      string   `json:"title"`
	Education  string   `json:"education"`
	Experience string   `json:"experience"`
	Expertise  []string `json:"expertise"`
	Subjects   []string `json:"subjects"`
	Note       string   `json:"note"`
}

// Public returns the lecturer without the private fields.
func (l Lecturer) PublicView() PublicLecturer {
	return PublicLecturer{ID: l.ID, Agency: l.Agency, AgencyName: l.AgencyName, Name: l.Name, Title: l.Title,
		Education: l.Education, Experience: l.Experience, Expertise: l.Expertise, Subjects: l.Subjects, Note: l.Note}
}

type lecturerItem struct {
	PK     string   `dynamo:"pk"`
	SK     string   `dynamo:"sk"`
	GSI1PK string   `dynamo:"gsi1pk"`           // LECTURERS#<agency>
	GSI1SK string   `dynamo:"gsi1sk"`           // <name>#<id>
	GSI2PK string   `dynamo:"gsi2pk,omitempty"` // PUBLECT while public
	GSI2SK string   `dynamo:"gsi2sk,omitempty"`
	NName  string   `dynamo:"nName"`
	NSubj  string   `dynamo:"nSubj"`
	PX     []string `dynamo:"px,omitempty"` // the postings written for it
	Lecturer
}

// Lecturer search scopes: one agency's own, or everyone's public ones.
func ownScope(agency string) string { return "L#" + agency }

const publicScope = "L#PUB"

func lecturerDocs(l Lecturer) []ngram.Doc {
	n := normalize(l.Name)
	terms := make([]string, 0, len(l.Subjects))
	for _, s := range l.Subjects {
		terms = append(terms, "s:"+normalize(s))
	}
	d := ngram.Doc{Scope: ownScope(l.Agency), Sort: n + "#" + l.ID, Key: l.ID, N: n, X: pipes(l.Subjects), Terms: terms}
	docs := []ngram.Doc{d}
	if l.Public {
		d.Scope = publicScope
		docs = append(docs, d)
	}
	return docs
}

func lecturerPostings(l Lecturer) []ngram.Posting {
	var out []ngram.Posting
	for _, d := range lecturerDocs(l) {
		out = append(out, d.Postings()...)
	}
	return out
}

func lecturerKeyed(l Lecturer) lecturerItem {
	n := normalize(l.Name)
	it := lecturerItem{PK: "LECT#" + l.ID, SK: "LECT", GSI1PK: "LECTURERS#" + l.Agency, GSI1SK: n + "#" + l.ID,
		NName: n, NSubj: pipes(l.Subjects), Lecturer: l}
	if l.Public {
		it.GSI2PK, it.GSI2SK = "PUBLECT", it.GSI1SK
	}
	it.PX = ngram.Refs(lecturerPostings(l))
	return it
}

// LecturerKeyed returns the item and postings of a lecturer (demo and bench loaders).
func LecturerKeyed(l Lecturer) []any {
	out := []any{lecturerKeyed(l)}
	for _, p := range lecturerPostings(l) {
		out = append(out, p)
	}
	return out
}

// LecturerInput is a lecturer as the officer fills them in.
type LecturerInput struct {
	Name       string    `json:"name"`
	Title      string    `json:"title"`
	Education  string    `json:"education"`
	Experience string    `json:"experience" max:"1000,multiline"`
	Expertise  []string  `json:"expertise"`
	Subjects   []string  `json:"subjects"`
	Public     bool      `json:"public"`
	Note       string    `json:"note" max:"1000,multiline"`
	NationalID string    `json:"nationalId"`
	Phone      string    `json:"phone"`
	Email      string    `json:"email"`
	Address    string    `json:"address"`
	Updated    time.Time `json:"updated"` // on edit: the version that was read
}

var (
	phoneRe = regexp.MustCompile(`^[0-9()+#\- ]{6,30}$`)
	emailRe = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Lecturer checks the input: name and 可授科目1 required, expertise codes from
// the code table, a valid national ID if given.
func (in LecturerInput) Lecturer(expertise *codes.Table) (Lecturer, error) {
	var l Lecturer
	var err error
	if l.Name, err = text("name", "講師姓名", in.Name, true, 50); err != nil {
		return l, err
	}
	if l.Subjects, err = names("subjects", "可授科目", in.Subjects, 10); err != nil {
		return l, err
	}
	if len(l.Subjects) == 0 {
		return l, errcode.Field("subjects", "請填寫可授科目 1。")
	}
	for _, s := range l.Subjects {
		if strings.Contains(s, "|") {
			return l, errcode.Field("subjects", "可授科目不可含有「|」。")
		}
	}
	for _, code := range in.Expertise {
		code = strings.TrimSpace(code)
		if code == "" {
			continue
		}
		if _, ok := expertise.Lookup(code); !ok {
			return l, errcode.Field("expertise", fmt.Sprintf("專長代碼 %s 不在專長代碼表中。", code))
		}
		l.Expertise = append(l.Expertise, code)
	}
	for _, f := range []struct {
		dst         *string
		field, name string
		src         string
		max         int
	}{
		{&l.Title, "title", "現職", in.Title, 100}, {&l.Education, "education", "最高學歷", in.Education, 100},
		{&l.Address, "address", "地址", in.Address, 200}, {&l.Email, "email", "電子郵件", in.Email, 100},
		{&l.Phone, "phone", "電話", in.Phone, 30},
	} {
		if *f.dst, err = text(f.field, f.name, f.src, false, f.max); err != nil {
			return l, err
		}
	}
	l.Experience, l.Note = strings.TrimSpace(in.Experience), strings.TrimSpace(in.Note)
	if len([]rune(l.Experience)) > 1000 {
		return l, errcode.Field("experience", "經歷不可超過 1000 字。")
	}
	if len([]rune(l.Note)) > 1000 {
		return l, errcode.Field("note", "備註不可超過 1000 字。")
	}
	if l.Phone != "" && !phoneRe.MatchString(l.Phone) {
		return l, errcode.Field("phone", "電話只能包含數字、括號、加號、連字號與空白。")
	}
	if l.Email != "" && !emailRe.MatchString(l.Email) {
		return l, errcode.Field("email", "電子郵件格式不正確。")
	}
	if id := strings.ToUpper(strings.TrimSpace(in.NationalID)); id != "" {
		if err := nid.Check(id); err != nil {
			return l, errcode.Field("nationalId", "身分證統一編號不正確："+err.Error())
		}
		l.NationalID = id
	}
	l.Public = in.Public
	return l, nil
}

// Lecturer returns a lecturer by id.
func (r Repo) Lecturer(ctx context.Context, id string) (Lecturer, error) {
	it, err := r.lecturerItem(ctx, id)
	return it.Lecturer, err
}

func (r Repo) lecturerItem(ctx context.Context, id string) (lecturerItem, error) {
	return store.Get[lecturerItem](ctx, r.Table, "LECT#"+id, "LECT", lecturerNotFound)
}

// lecturerNotFound answers an unknown lecturer and, word for word, another agency's.
const lecturerNotFound = "找不到這位講師。"

// SaveLecturer creates l (prev zero) or replaces it if nobody saved it since
// prev was read.
func (r Repo) SaveLecturer(ctx context.Context, l Lecturer, prev time.Time) error {
	return r.saveEntity(ctx, "LECT#"+l.ID, "LECT", lecturerKeyed(l), lecturerPostings(l), prev, "位講師")
}

// DeleteLecturer removes a lecturer and their postings. Classes keep the
// name they were given.
func (r Repo) DeleteLecturer(ctx context.Context, l Lecturer) error {
	it, err := r.lecturerItem(ctx, l.ID)
	if err != nil {
		return err
	}
	if err := r.Table.Delete("pk", it.PK).Range("sk", it.SK).If("$ = ?", "updated", l.Updated).Run(ctx); err != nil {
		if dynamo.IsCondCheckFailed(err) {
			return errcode.New(errcode.Conflict, "這位講師的資料剛被其他人修改過，請重新載入。")
		}
		return fmt.Errorf("delete lecturer %s: %w", l.ID, err)
	}
	return ngram.Index{Table: r.Table}.Sync(ctx, nil, it.PX)
}

// TypedLecturer returns the agency's lecturer named name, adding one (with
// subject as 可授科目1) if there is none. Its id follows from the agency and
// the name, so two officers typing the same new name at once add one lecturer.
func (r Repo) TypedLecturer(ctx context.Context, agency, agencyName, name, subject string, now time.Time) (Lecturer, error) {
	n := normalize(name)
	var found []lecturerItem
	if err := r.Table.Get("gsi1pk", "LECTURERS#"+agency).Index("gsi1").Range("gsi1sk", dynamo.BeginsWith, n+"#").
		Limit(1).All(ctx, &found); err != nil {
		return Lecturer{}, fmt.Errorf("find lecturer %s: %w", name, err)
	}
	if len(found) > 0 {
		return found[0].Lecturer, nil
	}
	if subject == "" {
		return Lecturer{}, errcode.Field("lecturers", fmt.Sprintf("講師「%s」尚未建檔：新增講師需要可授科目，請先填寫課程科目。", name))
	}
	sum := sha256.Sum256([]byte(agency + "|" + n))
	l := Lecturer{ID: "t" + hex.EncodeToString(sum[:8]), Agency: agency, AgencyName: agencyName, Name: strings.TrimSpace(name),
		Subjects: []string{subject}, Note: "由新增課程時輸入而建立", Created: now, Updated: now}
	err := r.SaveLecturer(ctx, l, time.Time{})
	if errcode.Is(err, errcode.Conflict) { // the other officer was first: same lecturer
		return r.Lecturer(ctx, l.ID)
	}
	return l, err
}

// LecturerFilter is a lecturer search.
type LecturerFilter struct {
	Agency  string // "" with Public: every agency's public lecturers (L4)
	Public  bool
	Name    string // partial
	Subject string // partial
	After   string
	Limit   int
}

// LecturerPage is a page of lecturers, by name.
type LecturerPage struct {
	Items []Lecturer
	Next  string
}

// SearchLecturers finds lecturers by partial name and partial teachable
// subject, in one agency or among the public ones, by name. It reads the
// n-gram postings of the name, or with only a subject, the postings of the
// subjects whose names match; with neither, the scope's list.
func (r Repo) SearchLecturers(ctx context.Context, f LecturerFilter) (LecturerPage, error) {
	scope, listPK, listIdx := ownScope(f.Agency), "LECTURERS#"+f.Agency, "gsi1"
	if f.Public {
		scope, listPK, listIdx = publicScope, "PUBLECT", "gsi2"
	}
	name, subj := normalize(f.Name), normalize(f.Subject)
	var q ngram.Query
	switch {
	case name != "":
		q = ngram.Query{Scope: scope, Terms: ngram.QueryGrams(name), N: name, X: subj}
	case subj != "":
		subjects, err := r.SearchSubjects(ctx, subj, "", 50)
		if err != nil {
			return LecturerPage{}, err
		}
		q = ngram.Query{Scope: scope, Union: true}
		for _, s := range subjects.Items {
			q.Terms = append(q.Terms, "s:"+s.Key)
		}
	default:
		var items []lecturerItem
		query := r.Table.Get(listIdx+"pk", listPK).Index(listIdx)
		if f.After != "" {
			query = query.Range(listIdx+"sk", dynamo.Greater, f.After)
		}
		if err := query.Limit(f.Limit+1).All(ctx, &items); err != nil {
			return LecturerPage{}, fmt.Errorf("list lecturers: %w", err)
		}
		var p LecturerPage
		if len(items) > f.Limit {
			items = items[:f.Limit]
			p.Next = items[f.Limit-1].GSI1SK
		}
		for _, it := range items {
			p.Items = append(p.Items, it.Lecturer)
		}
		return p, nil
	}
	q.After, q.Limit = f.After, f.Limit
	page, err := ngram.Index{Table: r.Table}.Search(ctx, q)
	if err != nil {
		return LecturerPage{}, err
	}
	items, err := getMany(ctx, r.Table, "LECT#", "LECT", page.Keys, func(l lecturerItem) string { return l.ID })
	if err != nil {
		return LecturerPage{}, err
	}
	p := LecturerPage{Next: page.Next}
	for _, it := range items {
		// Verify: after a crash a posting may name a lecturer who changed.
		if (f.Public && !it.Public) || (!f.Public && it.Agency != f.Agency) ||
			!strings.Contains(it.NName, name) || !strings.Contains(it.NSubj, subj) {
			continue
		}
		p.Items = append(p.Items, it.Lecturer)
	}
	return p, nil
}
