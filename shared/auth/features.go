package auth

// Feature is a grantable function of the back office, by its manual ID.
type Feature struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Group string `json:"group"`
}

// Menu groups mirror the manual's chapters.
const (
	GroupLearning  = "學習資訊維護"
	GroupPersonnel = "人事單位"
	GroupReports   = "統計報表"
	GroupSpecial   = "特定統計報表"
	GroupSystem    = "系統管理"
)

// SysAdmin is the portal administrators' function (announcements, manual).
// It is not a chapter of the manual but the manual's H5 and H7 need an owner.
const SysAdmin = "SYS"

// Features lists every grantable function in menu order. H1–H7 are open to
// every signed-in officer and are not granted.
var Features = []Feature{
	{"L1", "學習資訊上傳進度查詢", GroupLearning},
	{"L2", "新增/維護課程", GroupLearning},
	{"L2b", "整批新增課程/科目", GroupLearning},
	{"L3", "維護講師", GroupLearning},
	{"L4", "查詢講師資料庫", GroupLearning},
	{"L5", "報名准駁/下載名冊", GroupLearning},
	{"L6a", "登錄學習時數(已開班)", GroupLearning},
	{"L6b", "登錄學習時數(未開班)", GroupLearning},
	{"L6c", "登錄學習時數(進修)", GroupLearning},
	{"L7", "數位教材資訊通報", GroupLearning},
	{"L8", "會員管理", GroupLearning},
	{"P1", "成績下載", GroupPersonnel},
	{"P2", "下載申請進度查詢", GroupPersonnel},
	{"P3", "薦送報名", GroupPersonnel},
	{"P4", "薦送報名上傳進度查詢", GroupPersonnel},
	{"P5", "同仁學習狀況明細", GroupPersonnel},
	{"P6", "同仁課程資料查詢", GroupPersonnel},
	{"P7", "同仁學習類別時數一覽", GroupPersonnel},
	{"P8", "必須完成課程參與情形統計表", GroupPersonnel},
	{"P9", "人資報告學習時數統計表", GroupPersonnel},
	{"P10", "施政績效管理資訊", GroupPersonnel},
	{"P11", "施政績效管理資訊(事業機構)", GroupPersonnel},
	{"P12", "同仁登錄會員明細", GroupPersonnel},
	{"P13", "同仁登錄會員統計(含所屬機關)", GroupPersonnel},
	{"P14", "類別維護(與業務相關)", GroupPersonnel},
	{"P15", "學習時數(複核及修改)", GroupPersonnel},
	{"P16", "學習時數修改(職稱、官職等)", GroupPersonnel},
	{"P17", "性別主流化訓練情形調查", GroupPersonnel},
	{"P18", "機關課程查詢", GroupPersonnel},
	{"R1", "開課狀況統計", GroupReports},
	{"R2", "課程執行情形表", GroupReports},
	{"R3", "參與決策評量表", GroupReports},
	{"R4", "多條件複選產製報表", GroupReports},
	{"S1", "統計報表帳號", GroupSpecial},
	{SysAdmin, "系統公告與使用手冊管理", GroupSystem},
}

// LookupFeature finds a grantable function by its ID.
func LookupFeature(id string) (Feature, bool) {
	for _, f := range Features {
		if f.ID == id {
			return f, true
		}
	}
	return Feature{}, false
}

// FeatureName is the Chinese name of a function, or its ID if unknown.
func FeatureName(id string) string {
	if f, ok := LookupFeature(id); ok {
		return f.Name
	}
	return id
}
