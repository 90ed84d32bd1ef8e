package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// firstAdminClaim is claimed once per stage, in the transaction that writes
// the first system administrator: two runs at once cannot make two.
type firstAdminClaim struct {
	PK      string    `dynamo:"pk"`
	SK      string    `dynamo:"sk"`
	Subject string    `dynamo:"subject"`
	At      time.Time `dynamo:"at"`
}

const firstAdminPK, firstAdminSK = "SETTING", "FIRSTADMIN"

// FirstAdmin makes u (an SSO subject, its home agency at path) the stage's
// first system administrator: every function at its home agency, SYS
// included, written with an audit entry whose actor is actor (the operator
// running infra/firstadmin). It answers false, nil when u already is that
// administrator (a second run is harmless), and Conflict when the stage has
// one already, made by this command or granted in the back office.
func (r Repo) FirstAdmin(ctx context.Context, u User, path, actor string, now time.Time) (bool, error) {
	var claim firstAdminClaim
	err := r.Table.Get("pk", firstAdminPK).Range("sk", dynamo.Equal, firstAdminSK).Consistent(true).One(ctx, &claim)
	switch {
	case err == nil && claim.Subject == u.ID:
		return false, nil
	case err == nil:
		return false, errcode.New(errcode.Conflict, "這個環境已有第一位系統管理者（"+claim.Subject+"），請由他在後台新增其他管理者。")
	case !errors.Is(err, dynamo.ErrNotFound):
		return false, fmt.Errorf("first administrator: %w", err)
	}
	users, err := r.AllUsers(ctx)
	if err != nil {
		return false, err
	}
	for _, o := range users {
		for _, fns := range o.Grants {
			for _, f := range fns {
				if f == auth.SysAdmin && !o.Disabled {
					return false, errcode.New(errcode.Conflict, "這個環境已有系統管理者（"+o.ID+"），請由他在後台新增其他管理者。")
				}
			}
		}
	}
	var fns []string
	for _, f := range auth.Features {
		fns = append(fns, f.ID)
	}
	u.Grants, u.Updated = map[string][]string{u.Agency: fns}, now.UTC()
	tx := r.DB.WriteTx()
	tx.Put(r.Table.Put(firstAdminClaim{PK: firstAdminPK, SK: firstAdminSK, Subject: u.ID, At: now.UTC()}).If("attribute_not_exists(pk)"))
	tx.Put(r.Table.Put(UserKeyed(u, path)).If("attribute_not_exists(pk)"))
	tx.Put(r.Table.Put(auditKeyed(AuditEntry{At: now.UTC(), Actor: actor, Action: "first-admin", Target: u.ID, Agency: u.Agency, After: toJSON(u)})))
	if err := tx.Run(ctx); err != nil {
		if dynamo.IsCondCheckFailed(err) {
			return false, errcode.New(errcode.Conflict, "第一位系統管理者剛由另一次執行建立，或這個帳號已是後台使用者；請重新執行以確認。")
		}
		return false, fmt.Errorf("first administrator %s: %w", u.ID, err)
	}
	return true, nil
}
