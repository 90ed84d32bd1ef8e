package account

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/guregu/dynamo/v2"

	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/ngram"
	"github.com/ecpa-lifelong/backoffice/shared/store"
)

// nameClaim reserves an account name folded to lower case and half width,
// so that two accounts cannot differ only by case or width.
type nameClaim struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	ID string `dynamo:"id"`
}

const nameSK = "USERNAME"

// Keys in the directory table; see shared/store/README.md.
const (
	userSK    = "USER"
	sessionSK = "SESSION"
	statsSK   = "STATS"
	usersPK   = "USERS"      // gsi1: every user, sorted by agency path
	statsPK   = "STATSACCTS" // gsi1: every statistics account, sorted by agency path
)

func userPK(id string) string      { return "USER#" + id }
func namePK(folded string) string  { return "USERNAME#" + folded }
func sessionPK(id string) string   { return "SESSION#" + id }
func statsKey(name string) string  { return "STATS#" + name }
func auditPK(agency string) string { return "AUDIT#" + agency }

type userItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	User
}

type sessionItem struct {
	PK string `dynamo:"pk"`
	SK string `dynamo:"sk"`
	Session
}

type statsItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	StatsAccount
}

type auditItem struct {
	PK     string `dynamo:"pk"`
	SK     string `dynamo:"sk"`
	GSI1PK string `dynamo:"gsi1pk"`
	GSI1SK string `dynamo:"gsi1sk"`
	AuditEntry
}

// Repo reads and writes the account items of the directory table.
type Repo struct {
	DB    *dynamo.DB
	Table dynamo.Table
}

// UserKeyed returns the item of a user with its GSI keys, path being the
// materialised path of the user's home agency.
func UserKeyed(u User, path string) any {
	return userItem{PK: userPK(u.ID), SK: userSK, GSI1PK: usersPK, GSI1SK: path + "#" + u.ID, User: u}
}

// StatsKeyed returns the item of a statistics account with its GSI keys.
func StatsKeyed(a StatsAccount, path string) any {
	return statsItem{PK: statsKey(a.Username), SK: statsSK, GSI1PK: statsPK, GSI1SK: path + "#" + a.Username, StatsAccount: a}
}

// principalItems fetches the user (or statistics account) and the session in one round trip.
func (r Repo) principalItems(ctx context.Context, p auth.Principal) (user *User, stats *StatsAccount, sess *Session, err error) {
	first := dynamo.Keys{userPK(p.Subject), userSK}
	if p.Kind == auth.KindStats {
		first = dynamo.Keys{statsKey(p.Subject), statsSK}
	}
	it := r.Table.Batch("pk", "sk").Get(first, dynamo.Keys{sessionPK(p.SessionID), sessionSK}).Consistent(true).Iter()
	var m dynamo.Item
	for it.Next(ctx, &m) {
		sk, _ := m["sk"].(*types.AttributeValueMemberS)
		if sk == nil {
			continue
		}
		switch sk.Value {
		case userSK:
			var u userItem
			err = dynamo.UnmarshalItem(m, &u)
			user = &u.User
		case statsSK:
			var s statsItem
			err = dynamo.UnmarshalItem(m, &s)
			stats = &s.StatsAccount
		case sessionSK:
			var s sessionItem
			err = dynamo.UnmarshalItem(m, &s)
			sess = &s.Session
		}
		if err != nil {
			return nil, nil, nil, fmt.Errorf("decode principal item: %w", err)
		}
		m = nil
	}
	if err := it.Err(); err != nil && !errors.Is(err, dynamo.ErrNotFound) {
		return nil, nil, nil, fmt.Errorf("load principal %s: %w", p.Subject, err)
	}
	return user, stats, sess, nil
}

// GetUser returns one user or NotFound.
func (r Repo) GetUser(ctx context.Context, id string) (User, error) {
	it, err := store.Get[userItem](ctx, r.Table, userPK(id), userSK, "找不到這位使用者。")
	return it.User, err
}

// UsersUnder lists users whose home agency path starts with path.
func (r Repo) UsersUnder(ctx context.Context, path string) ([]User, error) {
	var items []userItem
	if err := r.Table.Get("gsi1pk", usersPK).Index("gsi1").Range("gsi1sk", dynamo.BeginsWith, path).All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list users under %s: %w", path, err)
	}
	out := make([]User, 0, len(items))
	for _, it := range items {
		if underPath(it.GSI1SK, path) {
			out = append(out, it.User)
		}
	}
	return out, nil
}

// StatsUnder lists statistics accounts whose agency path starts with path.
func (r Repo) StatsUnder(ctx context.Context, path string) ([]StatsAccount, error) {
	var items []statsItem
	if err := r.Table.Get("gsi1pk", statsPK).Index("gsi1").Range("gsi1sk", dynamo.BeginsWith, path).All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list stats accounts under %s: %w", path, err)
	}
	out := make([]StatsAccount, 0, len(items))
	for _, it := range items {
		if underPath(it.GSI1SK, path) {
			out = append(out, it.StatsAccount)
		}
	}
	return out, nil
}

// GetStats returns one statistics account or NotFound.
func (r Repo) GetStats(ctx context.Context, username string) (StatsAccount, error) {
	it, err := store.Get[statsItem](ctx, r.Table, statsKey(username), statsSK, "找不到這個統計報表帳號。")
	return it.StatsAccount, err
}

// SetActiveAgency records the session's active agency (H3), on the condition
// that the session was not signed out: a switch racing a sign-out can never
// bring the session back. A signed-out session is SessionEnded.
func (r Repo) SetActiveAgency(ctx context.Context, s Session) error {
	err := r.Table.Update("pk", sessionPK(s.ID)).Range("sk", sessionSK).
		Set("id", s.ID).Set("subject", s.Subject).Set("active", s.Active).SetIfNotExists("ttl", s.TTL).
		If("attribute_not_exists(revoked) OR revoked = ?", false).Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return errcode.New(errcode.SessionEnded, "您已登出，請重新登入。")
	}
	if err != nil {
		return fmt.Errorf("set active agency of session: %w", err)
	}
	return nil
}

// Revoke signs a session out for good: only the revoked flag (and the TTL of
// a session never written before) is set, nothing a concurrent write could
// undo, since every other session write is conditional on it.
func (r Repo) Revoke(ctx context.Context, s Session) error {
	err := r.Table.Update("pk", sessionPK(s.ID)).Range("sk", sessionSK).
		Set("id", s.ID).Set("subject", s.Subject).Set("revoked", true).SetIfNotExists("ttl", s.TTL).Run(ctx)
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	return nil
}

// SessionRevoked reads a session's revoked flag (strongly consistent: a
// sign-out holds from the next request on).
func (r Repo) SessionRevoked(ctx context.Context, id string) (bool, error) {
	var it sessionItem
	err := r.Table.Get("pk", sessionPK(id)).Range("sk", dynamo.Equal, sessionSK).Consistent(true).One(ctx, &it)
	if errors.Is(err, dynamo.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read session: %w", err)
	}
	return it.Revoked, nil
}

// takeAttempt takes one password check of a statistics account before the
// password is compared, in one conditional update: at most MaxFailures in a
// window, none while locked. It answers the checks taken in the window with
// this one; ok false: no check granted (locked, or the window's checks are
// used up), and the password must not be compared.
func (r Repo) takeAttempt(ctx context.Context, username string, now time.Time) (n int, ok bool, err error) {
	var out statsItem
	at := now.Unix()
	err = r.Table.Update("pk", statsKey(username)).Range("sk", statsSK).Add("failed", 1).
		If("attribute_exists(pk) AND windowEnds > ? AND failed < ?", at, MaxFailures).Value(ctx, &out)
	if err == nil {
		return out.Failed, true, nil
	}
	if !dynamo.IsCondCheckFailed(err) {
		return 0, false, fmt.Errorf("take sign-in attempt: %w", err)
	}
	// No window open, or it is full: a new one opens once the last window and
	// any lock have ended (an expired lock forgets its failures). A lock
	// stored as text (before Unix seconds) counts as ended.
	err = r.Table.Update("pk", statsKey(username)).Range("sk", statsSK).
		Set("failed", 1).Set("windowEnds", now.Add(LockFor).Unix()).Remove("lockedUntil").
		If("attribute_exists(pk) AND (attribute_not_exists(windowEnds) OR windowEnds <= ?)", at).
		If("attribute_not_exists(lockedUntil) OR lockedUntil <= ? OR attribute_type(lockedUntil, ?)", at, "S").
		Run(ctx)
	if dynamo.IsCondCheckFailed(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("open sign-in window: %w", err)
	}
	return 1, true, nil
}

// giveBack returns the check of a right password: it was no failure.
func (r Repo) giveBack(ctx context.Context, username string) error {
	err := r.Table.Update("pk", statsKey(username)).Range("sk", statsSK).Add("failed", -1).If("failed > ?", 0).Run(ctx)
	if err != nil && !dynamo.IsCondCheckFailed(err) { // a new window opened meanwhile: nothing to give back
		return fmt.Errorf("give back sign-in attempt: %w", err)
	}
	return nil
}

func (r Repo) lock(ctx context.Context, username string, until time.Time) error {
	err := r.Table.Update("pk", statsKey(username)).Range("sk", statsSK).Set("lockedUntil", until.Unix()).Run(ctx)
	if err != nil {
		return fmt.Errorf("lock statistics account: %w", err)
	}
	return nil
}

func (r Repo) setPassword(ctx context.Context, username string, hash []byte, mustChange bool, at time.Time) error {
	return r.Table.Update("pk", statsKey(username)).Range("sk", statsSK).
		Set("pwhash", hash).Set("mustChange", mustChange).Set("changed", at).
		Set("failed", 0).Remove("lockedUntil", "windowEnds").If("attribute_exists(pk)").Run(ctx)
}

// writeUser saves a user and its audit entry in one transaction, on the
// condition that nobody changed the user since it was read (updated = prev).
func (r Repo) writeUser(ctx context.Context, u User, path string, prev *User, e AuditEntry) error {
	tx := r.DB.WriteTx()
	put := r.Table.Put(UserKeyed(u, path))
	if prev == nil {
		put = put.If("attribute_not_exists(pk)")
		// Account names are one regardless of case and width (MOI.COURSE,
		// ｍｏｉ.course and moi.course are one account): the folded name is
		// claimed once, and no account may already be named by it.
		folded := ngram.Normalize(u.ID)
		tx.Put(r.Table.Put(nameClaim{PK: namePK(folded), SK: nameSK, ID: u.ID}).If("attribute_not_exists(pk)"))
		if folded != u.ID {
			tx.Check(r.Table.Check("pk", userPK(folded)).Range("sk", userSK).If("attribute_not_exists(pk)"))
		}
	} else {
		put = put.If("updated = ?", prev.Updated)
	}
	tx.Put(put)
	tx.Put(r.Table.Put(auditKeyed(e)))
	if err := tx.Run(ctx); err != nil {
		if dynamo.IsCondCheckFailed(err) {
			if prev == nil { // the same answer whichever agency holds the id: nothing about others is told
				return &errcode.Error{Code: errcode.Conflict, Field: "id",
					Message: "無法以這個帳號新增使用者：此帳號已是後台使用者（帳號不分大小寫與全形、半形）。若在會員列表中找不到，表示他屬於其他機關，請洽該機關的最高管理者設定兼辦。"}
			}
			return errcode.New(errcode.Conflict, "這位使用者的資料剛被其他人修改，請重新載入後再試。")
		}
		return fmt.Errorf("write user %s: %w", u.ID, err)
	}
	return nil
}

func auditKeyed(e AuditEntry) auditItem {
	ts := e.At.UTC().Format(time.RFC3339Nano)
	return auditItem{PK: auditPK(e.Agency), SK: ts + "#" + auth.RandomID(4),
		GSI1PK: "AUDITTARGET#" + e.Target, GSI1SK: ts, AuditEntry: e}
}

func (r Repo) putAudit(ctx context.Context, e AuditEntry) error {
	return r.Table.Put(auditKeyed(e)).Run(ctx)
}

// AuditOf lists the changes to one target (user or statistics account), newest first.
func (r Repo) AuditOf(ctx context.Context, target string) ([]AuditEntry, error) {
	var items []auditItem
	err := r.Table.Get("gsi1pk", "AUDITTARGET#"+target).Index("gsi1").Order(dynamo.Descending).Limit(200).All(ctx, &items)
	if err != nil {
		return nil, fmt.Errorf("audit of %s: %w", target, err)
	}
	out := make([]AuditEntry, len(items))
	for i, it := range items {
		out[i] = it.AuditEntry
	}
	return out, nil
}

func toJSON(v any) string {
	if v == nil {
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// underPath reports whether a "<agency path>#<id>" sort key lies at or below
// path: begins_with("A/B") alone would also match "A/BC".
func underPath(sk, path string) bool {
	return strings.HasPrefix(sk, path+"#") || strings.HasPrefix(sk, path+"/")
}

// AllUsers lists every user (the local development sign-in page lists them).
func (r Repo) AllUsers(ctx context.Context) ([]User, error) {
	var items []userItem
	if err := r.Table.Get("gsi1pk", usersPK).Index("gsi1").All(ctx, &items); err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out := make([]User, len(items))
	for i, it := range items {
		out[i] = it.User
	}
	return out, nil
}

// Rekey moves the users and statistics accounts of the agency at oldPath to
// newPath in the index (their gsi1 sort key carries the agency path), so the
// administrators of the agency's new parent find them. Only the agency's own
// items move; the nightly batch calls this for each re-parented agency.
func (r Repo) Rekey(ctx context.Context, oldPath, newPath string) error {
	for _, pk := range []string{usersPK, statsPK} {
		var keys []struct {
			PK     string `dynamo:"pk"`
			SK     string `dynamo:"sk"`
			GSI1SK string `dynamo:"gsi1sk"`
		}
		err := r.Table.Get("gsi1pk", pk).Index("gsi1").Range("gsi1sk", dynamo.BeginsWith, oldPath+"#").All(ctx, &keys)
		if err != nil {
			return fmt.Errorf("list items under %s: %w", oldPath, err)
		}
		for _, k := range keys {
			id := strings.TrimPrefix(k.GSI1SK, oldPath+"#")
			err := r.Table.Update("pk", k.PK).Range("sk", k.SK).Set("gsi1sk", newPath+"#"+id).
				If("gsi1sk = ?", k.GSI1SK).Run(ctx)
			if err != nil && !dynamo.IsCondCheckFailed(err) { // changed meanwhile: the newer write wins
				return fmt.Errorf("re-key %s: %w", k.PK, err)
			}
		}
	}
	return nil
}
