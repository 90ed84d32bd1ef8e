package enrollment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// Enrollment (X5, P3) and approval (L5): the transactions. An enrollment is
// an item of its class's partition in the Catalog table (catalog.Enrollment,
// catalog.EnrollmentKeyed); the class item keeps the count of enrollments
// that hold a seat (pending and approved); every enrollment and withdrawal
// changes it in the same transaction as the enrollment itself, with "stop
// when full" as the condition on the count: the database, not a read before
// the write, keeps a class from being overbooked.

// Repo writes enrollments and their class's seat count.
type Repo struct {
	DB    *dynamo.DB
	Table dynamo.Table // the Catalog table
}

// Applicant is who enrolls (or is nominated).
type Applicant struct {
	ID     string // person id
	Agency string // the learner's agency code
}

// CheckEnrollable applies the class's rules for a learner (or a nomination
// from agency nominating, when not ""), at now. It reads nothing.
func CheckEnrollable(c catalog.Class, l Applicant, nominating string, answers map[string]string, now time.Time) error {
	if c.Status == catalog.Cancelled {
		return errcode.New(errcode.EnrollClosed, "本班期已停辦。")
	}
	switch {
	case nominating == "" && c.Method == catalog.Nominated:
		return errcode.New(errcode.EnrollClosed, "本班期由機關薦送，請洽服務機關人事單位。")
	case nominating == "" && c.Method == catalog.Offline:
		return errcode.New(errcode.EnrollClosed, "本班期不開放線上報名。")
	case nominating != "" && c.Method != catalog.Nominated:
		return errcode.New(errcode.EnrollClosed, "本班期不是機關薦送的課程。")
	}
	today := roc.Today(now)
	switch {
	case c.GoLive != "" && now.UTC().Format(time.RFC3339) < c.GoLive, c.EnrollStart != "" && today < c.EnrollStart:
		return errcode.New(errcode.EnrollClosed, "本班期尚未開放報名。")
	case c.EnrollEnd != "" && today > c.EnrollEnd, c.EnrollEnd == "" && today > c.End:
		return errcode.New(errcode.EnrollClosed, "本班期報名已截止。")
	}
	r, err := catalog.ParseRestriction(c.Restriction)
	if err != nil {
		return fmt.Errorf("class %s restriction: %w", c.Key(), err)
	}
	if !r.Allows(l.Agency) {
		return errcode.New(errcode.NotEligible, "本班期限 "+c.Restriction+" 機關同仁報名。")
	}
	if nominating != "" {
		return nil // the survey is asked of learners enrolling themselves, not of a nominating officer
	}
	for _, q := range c.Survey {
		a := strings.TrimSpace(answers[q.Key])
		if a == "" {
			return errcode.Field("answers", "請填寫特殊調查：「"+q.Label+"」。")
		}
		ok := false
		for _, o := range q.Options {
			ok = ok || o == a
		}
		if !ok {
			return errcode.Field("answers", "「"+q.Label+"」的回答須為："+strings.Join(q.Options, "、")+"。")
		}
	}
	for k := range answers {
		if !catalog.HasQuestion(c.Survey, k) {
			return errcode.Field("answers", "本班期沒有「"+k+"」這項調查。")
		}
	}
	return nil
}

// reasons returns the cancellation reason codes of a failed transaction.
func reasons(err error) []string {
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return nil
	}
	out := make([]string, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		if r.Code != nil {
			out[i] = *r.Code
		}
	}
	return out
}

// busy reports a transaction still cancelled by concurrent ones on the same
// items after the SDK's retries (settings.AWS retries TransactionConflict):
// at an enrollment opening, the class's seat count. The caller answers 409
// (try again), never 500.
func busy(err error) error {
	for _, r := range reasons(err) {
		if r == "TransactionConflict" {
			return errcode.New(errcode.Conflict, "同時報名的人數眾多，請稍後再試一次。")
		}
	}
	return nil
}

// seats is the update of c's seat item (catalog.SeatsSK) by n.
func (r Repo) seats(c catalog.Class, n int) *dynamo.Update {
	return r.Table.Update("pk", c.Key()).Range("sk", catalog.SeatsSK).Add("enrolled", n)
}

// Enroll stores e and takes a seat, in one transaction: the enrollment must
// be new, the class still there, not cancelled and (when it stops when full)
// of the capacity read, and a seat left. The class item is only checked,
// never written: the count is on the seat item, so a rush of enrollments
// does not rewrite the class into its indexes.
func (r Repo) Enroll(ctx context.Context, c catalog.Class, e catalog.Enrollment) error {
	class := r.Table.Check("pk", c.Key()).Range("sk", "CLASS").
		If("attribute_exists(pk) AND (attribute_not_exists($) OR $ <> ?)", "status", "status", catalog.Cancelled)
	seat := r.seats(c, 1)
	if c.StopWhenFull {
		class = class.If("$ = ?", "capacity", c.Capacity)
		seat = seat.If("attribute_not_exists($) OR $ < ?", "enrolled", "enrolled", c.Capacity)
	}
	tx := r.DB.WriteTx().Put(r.Table.Put(catalog.EnrollmentKeyed(e)).If("attribute_not_exists(pk)")).Check(class).Update(seat)
	err := tx.Run(ctx)
	if err == nil {
		return nil
	}
	why := reasons(err)
	switch {
	case len(why) == 3 && why[0] == "ConditionalCheckFailed":
		return errcode.New(errcode.Conflict, "已經報名過此班期，不能重複報名。")
	case len(why) == 3 && why[1] == "ConditionalCheckFailed":
		// Cancelled or its capacity edited since it was read.
		return errcode.New(errcode.Conflict, "本班期資料剛有異動（停辦或名額調整），請重新整理後再報名。")
	case len(why) == 3 && why[2] == "ConditionalCheckFailed":
		return errcode.New(errcode.ClassFull, "本班期名額已滿，不再接受報名。")
	}
	if b := busy(err); b != nil {
		return b
	}
	return fmt.Errorf("enroll %s in %s: %w", e.PersonID, c.Key(), err)
}

// Enrollment returns one enrollment.
func (r Repo) Enrollment(ctx context.Context, c catalog.Class, personID string) (catalog.Enrollment, error) {
	return store.Get[catalog.Enrollment](ctx, r.Table, c.Key(), "ENR#"+personID, "找不到這筆報名。")
}

// Withdraw removes a pending enrollment and frees its seat.
func (r Repo) Withdraw(ctx context.Context, c catalog.Class, personID string) error {
	tx := r.DB.WriteTx().
		Delete(r.Table.Delete("pk", c.Key()).Range("sk", "ENR#"+personID).If("$ = ?", "status", catalog.Pending)).
		Update(r.seats(c, -1))
	err := tx.Run(ctx)
	if err == nil {
		return nil
	}
	if why := reasons(err); len(why) > 0 && why[0] == "ConditionalCheckFailed" {
		e, gerr := r.Enrollment(ctx, c, personID)
		switch {
		case gerr != nil:
			return gerr
		case e.Status == catalog.Approved:
			return errcode.New(errcode.ApprovalFinal, "報名已經核准，不能取消；如無法參加請洽開課單位。")
		default:
			return errcode.New(errcode.Conflict, "此報名已被駁回，不需取消。")
		}
	}
	if b := busy(err); b != nil {
		return b
	}
	return fmt.Errorf("withdraw %s from %s: %w", personID, c.Key(), err)
}

// Decisions.
const (
	Approve = "approve"
	Reject  = "reject"
)

// Decide approves or rejects one enrollment. Approval is final: it is a
// conditional write from pending, and a rejection is conditional on pending
// too, so an approved enrollment can never be rejected. Deciding what is
// already decided the same way does nothing (a retried request is safe).
func (r Repo) Decide(ctx context.Context, c catalog.Class, personID, decision, reason, by string, now time.Time) error {
	key := "ENR#" + personID
	var err error
	switch decision {
	case Approve:
		err = r.Table.Update("pk", c.Key()).Range("sk", key).Set("status", catalog.Approved).Set("decided", now).Set("decidedBy", by).
			If("$ = ?", "status", catalog.Pending).Run(ctx)
		if dynamo.IsCondCheckFailed(err) {
			err = errConditional
		}
	case Reject:
		reason = strings.TrimSpace(reason)
		if reason == "" {
			return errcode.Field("reason", "駁回報名須填寫原因。")
		}
		if len([]rune(reason)) > 200 {
			return errcode.Field("reason", "駁回原因不可超過 200 字。")
		}
		tx := r.DB.WriteTx().
			Update(r.Table.Update("pk", c.Key()).Range("sk", key).Set("status", catalog.Rejected).Set("reason", reason).
				Set("decided", now).Set("decidedBy", by).If("$ = ?", "status", catalog.Pending)).
			Update(r.seats(c, -1))
		err = tx.Run(ctx)
		if why := reasons(err); len(why) > 0 && why[0] == "ConditionalCheckFailed" {
			err = errConditional
		}
	default:
		return errcode.Field("decision", "請選擇核准或駁回。")
	}
	if !errors.Is(err, errConditional) {
		if b := busy(err); b != nil {
			return b
		}
		if err != nil {
			return fmt.Errorf("decide %s in %s: %w", personID, c.Key(), err)
		}
		return nil
	}
	e, gerr := r.Enrollment(ctx, c, personID)
	switch {
	case gerr != nil:
		return gerr
	case decision == Approve && e.Status == catalog.Approved, decision == Reject && e.Status == catalog.Rejected:
		return nil // already so: a retry
	case e.Status == catalog.Approved:
		return errcode.New(errcode.ApprovalFinal, "已核准的報名不能再駁回（核准即為最終決定）。")
	default:
		return errcode.New(errcode.Conflict, "已駁回的報名不能再核准。")
	}
}

var errConditional = errors.New("condition failed")

// Nominations lists the enrollments an agency nominated (P3), newest first.
func (r Repo) Nominations(ctx context.Context, agency string, limit int) ([]catalog.Enrollment, error) {
	var out []catalog.Enrollment
	err := r.Table.Get("gsi1pk", "NOMS#"+agency).Index("gsi1").Order(dynamo.Descending).Limit(limit).All(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("nominations of %s: %w", agency, err)
	}
	return out, nil
}
