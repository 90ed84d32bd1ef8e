package imports

import (
	"context"
	"fmt"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Row error codes of the writer's scope (issue 27).
const (
	// CodeOutsideScope: the person is not of the writing agency or an agency
	// below it (the manual's upload is 「幫同仁登錄認證時數資料」).
	CodeOutsideScope = "outside_scope"
	// CodeClientRevoked: the platform client was revoked before the row was
	// staged or applied; nothing of it is written.
	CodeClientRevoked = "client_revoked"
)

// Agencies reads agencies (agency.Repo).
type Agencies interface {
	Get(ctx context.Context, code string) (agency.Agency, error)
	GetMany(ctx context.Context, codes []string) (map[string]agency.Agency, error)
}

// writerScope is whom a learner-hours job may write records for: the people
// of the job's agency and the agencies below it, or anyone for a national
// platform client. A checker reads it once; the apply makes its own
// checker, so a client revoked, or a person moved, between staging and apply
// is judged as things stand at the apply.
type writerScope struct {
	home     agency.Agency
	national bool
	refused  *RowError // the platform client is no longer active: every row fails
}

// loadScope reads the scope of job j (clients: the platform clients as they
// are now; needed for platform jobs only).
func loadScope(ctx context.Context, j Job, agencies Agencies, clients auth.PlatformLoader) (writerScope, error) {
	var s writerScope
	if j.Kind == Platform {
		if clients == nil {
			return s, fmt.Errorf("job %s: no platform clients wired", j.ID)
		}
		c, err := clients.ActiveClient(ctx, j.Params["client"])
		switch {
		case errcode.Is(err, errcode.Unauthenticated):
			s.refused = rowErrCode(CodeClientRevoked, "平臺用戶端 %s 已停用，這筆紀錄未寫入；請向系統管理者確認。", j.Params["client"])
			return s, nil
		case err != nil:
			return s, err
		}
		if s.national = c.National; s.national {
			return s, nil
		}
	}
	if agencies == nil {
		return s, fmt.Errorf("job %s: no agencies wired", j.ID)
	}
	home, err := agencies.Get(ctx, j.Agency)
	if err != nil {
		return s, fmt.Errorf("job %s: agency %s: %w", j.ID, j.Agency, err)
	}
	s.home = home
	return s, nil
}

// admits reports whether the scope may write for a person of agency a.
func (s writerScope) admits(a agency.Agency) bool { return s.national || s.home.Contains(a) }

// outsideScope is the row error of a person the writer may not write for.
func outsideScope(p staff.Ref, nationalID string) *RowError {
	return rowErrCode(CodeOutsideScope, "身分證字號 %s 的人員不是本機關或所屬機關的同仁，不能由本機關登錄時數；請由其服務機關登錄", nid.Mask(nationalID))
}

// agenciesOf fills the checker's agency cache with the people's agencies.
func (h *hoursChecker) agenciesOf(ctx context.Context, people map[string]staff.Ref) error {
	if h.scope.national || h.scope.refused != nil {
		return nil
	}
	var want []string
	h.mu.Lock()
	seen := map[string]bool{}
	for _, p := range people {
		if _, ok := h.agMem[p.Agency]; !ok && p.Agency != "" && !seen[p.Agency] {
			seen[p.Agency] = true
			want = append(want, p.Agency)
		}
	}
	h.mu.Unlock()
	if len(want) == 0 {
		return nil
	}
	got, err := h.agencies.GetMany(ctx, want)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, code := range want {
		h.agMem[code] = got[code] // zero Agency: unknown, outside every scope
	}
	return nil
}

// admits reports whether the job may write for person p.
func (h *hoursChecker) admits(p staff.Ref) bool {
	if h.scope.national {
		return true
	}
	h.mu.Lock()
	a := h.agMem[p.Agency]
	h.mu.Unlock()
	return h.scope.admits(a)
}

// learnerOf reports whether rec's person already has a record of rec's class
// (an L6a class's learner of another agency, enrolled in it: the class's
// agency grades its learners, wherever they serve, and sees them in L6a).
func (h *hoursChecker) learnerOf(ctx context.Context, rec records.Record) (bool, error) {
	if h.stored == nil {
		return false, nil
	}
	found, err := h.stored.Records(ctx, []records.Record{rec})
	if err != nil {
		return false, err
	}
	_, ok := found[locate(rec)]
	return ok, nil
}
