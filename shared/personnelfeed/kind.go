// Package personnelfeed is the personnel roster feed (人事資料, issue 26):
// a snapshot of the civil servants of the agencies it names, uploaded by a
// system administrator (L1) or dropped by the personnel system under
// KeyPrefix, checked at staging like every upload and applied by the
// nightly batch. Design: docs/personnel-feed.md.
package personnelfeed

import (
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/imports"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// KindID is the job type of a roster snapshot.
const KindID = "personnel"

// Column keys.
const (
	cNID      = "nid"
	cName     = "name"
	cGender   = "gender"
	cBirth    = "birth"
	cAgency   = "agency"
	cUnit     = "unit"
	cTitle    = "title"
	cRank     = "rank"
	cCategory = "category"
	cStatus   = "status"
	cEmail    = "email"
)

// Kind is the 人事資料 upload: one row per person, the whole roster of every
// agency it names.
var Kind = imports.Kind{ID: KindID, Name: "人事資料", Feature: auth.SysAdmin,
	Note: "人事資料名冊的完整快照：檔案中出現的每個機關，其同仁以本檔為準（依身分證字號新增或更新；機關代碼改變者調動；本檔未列者視為離職，學習紀錄保留）。" +
		"一次調出或離職超過該範圍同仁 2% 的名冊會暫緩套用，待系統管理者確認。",
	Layouts: []imports.Layout{{Name: "人事資料", Columns: []imports.Column{
		{Key: cNID, Header: "身分證字號", Required: true, Help: "10 碼身分證統一編號或居留證號。", Example: "A123456789"},
		{Key: cName, Header: "姓名", Required: true, Help: "50 字以內。", Example: "王小明"},
		{Key: cGender, Header: "性別", Required: true, Help: "1 男、2 女（或「男」「女」）。", Example: "1"},
		{Key: cBirth, Header: "出生日期", Required: false, Help: "民國或西元日期。", Example: "75/01/02"},
		{Key: cAgency, Header: "機關代碼", Required: true, Help: "10 碼機關代碼，須為本系統已有的機關。", Example: "301000000A"},
		{Key: cUnit, Header: "服務單位", Required: false, Help: "機關內的單位（科、室），50 字以內。", Example: "人事處"},
		{Key: cTitle, Header: "職稱", Required: false, Help: "50 字以內。", Example: "科員"},
		{Key: cRank, Header: "官職等", Required: false, Help: "50 字以內。", Example: "委任第五職等"},
		{Key: cCategory, Header: "人員類別", Required: false, Help: "50 字以內。", Example: "一般公務人員"},
		{Key: cStatus, Header: "現職狀態", Required: true, Help: "在職、留職停薪、退休、離職、資遣 或 死亡；前兩者計為機關同仁。", Example: "在職"},
		{Key: cEmail, Header: "電子郵件", Required: false, Help: "200 字元以內。", Example: ""},
	}}}}

// Register adds the kind to the upload menu (imports.Kinds); the wiring
// calls it once, beside registering the checker (Feed.Spec).
func Register() { imports.Register(Kind) }

// maxText bounds the free-text columns (characters).
const maxText = 50

// parse reads one row into a person (no id yet); known tells whether an
// agency code exists.
func parse(r imports.Row, known func(code string) bool) (staff.Person, *imports.RowError) {
	var msgs []string
	bad := func(m string) { msgs = append(msgs, m) }
	p := staff.Person{NationalID: strings.ToUpper(r.Get(cNID)), Name: r.Get(cName), Agency: strings.ToUpper(r.Get(cAgency)),
		Unit: r.Get(cUnit), Title: r.Get(cTitle), Rank: r.Get(cRank), Category: r.Get(cCategory), Status: r.Get(cStatus), Email: r.Get(cEmail)}
	if err := nid.Check(p.NationalID); err != nil {
		bad("身分證字號：" + err.Error())
	}
	if p.Name == "" || len([]rune(p.Name)) > maxText {
		bad("姓名須填寫，50 字以內")
	}
	switch r.Get(cGender) {
	case "1", "男":
		p.Gender = 1
	case "2", "女":
		p.Gender = 2
	default:
		bad("性別須為 1（男）或 2（女）")
	}
	if b := r.Get(cBirth); b != "" {
		t, err := roc.Parse(b)
		if err != nil || t.Year() < 1900 || t.Year() > 2200 {
			bad("出生日期「" + clip(b) + "」無法辨識")
		} else {
			p.Birth = t.Format(time.DateOnly)
		}
	}
	switch {
	case !agency.ValidCode(p.Agency):
		bad("機關代碼須為 10 碼英數字")
	case !known(p.Agency):
		bad("機關代碼 " + p.Agency + " 不在本系統的機關名冊中")
	}
	for _, f := range []struct{ label, v string }{{"服務單位", p.Unit}, {"職稱", p.Title}, {"官職等", p.Rank}, {"人員類別", p.Category}} {
		if len([]rune(f.v)) > maxText {
			bad(f.label + "超過 50 字")
		}
	}
	if len(p.Email) > 200 || (p.Email != "" && !strings.Contains(p.Email, "@")) {
		bad("電子郵件格式不正確")
	}
	listed := false
	for _, s := range staff.Statuses {
		listed = listed || p.Status == s
	}
	if !listed {
		bad("現職狀態須為 " + strings.Join(staff.Statuses, "、") + " 之一")
	}
	if r.Bad != nil {
		return p, r.Bad
	}
	if len(msgs) > 0 {
		return p, &imports.RowError{Msg: strings.Join(msgs, "；"), Code: imports.CodeInvalidRow}
	}
	return p, nil
}

func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}
