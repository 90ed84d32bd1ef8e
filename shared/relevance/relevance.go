// Package relevance is P14 類別維護(與業務相關): for each agency, the course
// categories it counts as related to its business. P15's review of hours
// learned at private institutions presets 與業務相關 from it.
package relevance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/codes"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/httpapi"
)

// Set is an agency's business-related categories.
type Set struct {
	Agency     string    `dynamo:"agency" json:"agency"`
	Categories []string  `dynamo:"categories" json:"categories"` // codes of the category table, sorted
	Updated    time.Time `dynamo:"updated" json:"updated,omitzero"`
	UpdatedBy  string    `dynamo:"updatedBy" json:"updatedBy,omitempty"`
}

type item struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Set
}

const sk = "RELEVANT"

// pk is a partition of its own, not the agency's (AGENCY#): the reports
// function that writes it may then be granted this prefix alone
// (dynamodb:LeadingKeys), never the agency items.
func pk(agency string) string { return "RELEVANT#" + agency }

// Service reads and saves the sets.
type Service struct {
	Table dynamo.Table // Directory
	Codes interface {
		Get(ctx context.Context, name string) (*codes.Table, error)
	}
	Now func() time.Time
}

// Get returns the caller's active agency's set (empty until saved).
func (s *Service) Get(ctx context.Context, c auth.Caller) (Set, error) {
	var it item
	err := s.Table.Get("pk", pk(c.Active.Code)).Range("sk", dynamo.Equal, sk).Consistent(true).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return Set{Agency: c.Active.Code, Categories: []string{}}, nil
	}
	if err != nil {
		return Set{}, fmt.Errorf("business categories of %s: %w", c.Active.Code, err)
	}
	return it.Set, nil
}

// Input is what PUT /api/business-categories reads: the whole set, and the
// version read (zero for a first save).
type Input struct {
	Categories []string  `json:"categories" max:"id"`
	Prior      time.Time `json:"updated"`
}

// Save replaces the active agency's set: every code checked first (all
// refused at once, nothing written), then one conditional write.
func (s *Service) Save(ctx context.Context, c auth.Caller, in Input) (Set, error) {
	t, err := s.Codes.Get(ctx, codes.Categories)
	if err != nil {
		return Set{}, err
	}
	if len(in.Categories) > len(t.Entries) {
		return Set{}, errcode.Field("categories", "類別數量超過類別表。")
	}
	var fe errcode.Fields
	for i, code := range in.Categories {
		if _, ok := t.Lookup(code); !ok {
			fe.Add(errcode.Field(fmt.Sprintf("categories[%d]", i), "類別代碼「"+code+"」不在課程類別表中。"))
		}
	}
	if err := fe.Err(); err != nil {
		return Set{}, err
	}
	cats := slices.Clone(in.Categories)
	slices.Sort(cats)
	cats = slices.Compact(cats)
	set := Set{Agency: c.Active.Code, Categories: cats, Updated: s.Now().UTC(), UpdatedBy: c.UserID}
	put := s.Table.Put(item{PK: pk(set.Agency), SK: sk, Set: set})
	if in.Prior.IsZero() {
		put = put.If("attribute_not_exists(pk)")
	} else {
		put = put.If("$ = ?", "updated", in.Prior.UTC())
	}
	if err := put.Run(ctx); dynamo.IsCondCheckFailed(err) {
		return Set{}, errcode.New(errcode.Conflict, "類別設定已被他人修改，請重新載入後再儲存。")
	} else if err != nil {
		return Set{}, fmt.Errorf("save business categories of %s: %w", set.Agency, err)
	}
	return set, nil
}

// Server is P14's API.
type Server struct {
	Service *Service
	Guard   auth.Guard
}

// Routes of P14, served by the reports function with the other personnel settings.
func (s *Server) Routes(r httpapi.Router) {
	r.Handle("GET /api/business-categories", s.Guard.Require("P14", httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		set, err := s.Service.Get(r.Context(), auth.CallerFrom(r.Context()))
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, set)
		return nil
	})))
	r.Handle("PUT /api/business-categories", s.Guard.Require("P14", httpapi.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		in, err := httpapi.Decode[Input](r)
		if err != nil {
			return err
		}
		set, err := s.Service.Save(r.Context(), auth.CallerFrom(r.Context()), in)
		if err != nil {
			return err
		}
		httpapi.Encode(w, http.StatusOK, set)
		return nil
	})))
}
