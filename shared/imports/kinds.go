package imports

// Kind is one job type: what its file holds, who may upload it, and how its
// rows are checked and applied.
type Kind struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Feature string   `json:"feature"` // the function an uploader needs
	Note    string   `json:"note"`    // shown on the format page
	Layouts []Layout `json:"layouts"` // [0] is the template; the others are accepted too
	// Machine: jobs of this type come from platforms (POST /api/platform/…),
	// never from an officer's upload; they are listed in L1 all the same.
	Machine bool `json:"machine,omitempty"`
}

// Template is the layout of the downloadable template.
func (k Kind) Template() Layout { return k.Layouts[0] }

// Job types.
const (
	Courses       = "courses"
	Subjects      = "subjects"
	Lecturers     = "lecturers"
	Materials     = "materials"
	HoursClass    = "hours-class"    // 已開班 (L6a)
	HoursExternal = "hours-external" // 未開班 (L6b)
	HoursStudy    = "hours-study"    // 進修成績 (L6c)
)

// Column keys.
const (
	cNID         = "nid"
	cName        = "name"
	cCode        = "courseCode"
	cSession     = "session"
	cCourse      = "course"
	cInst        = "institution"
	cStart       = "start"
	cStartTime   = "startTime"
	cEnd         = "end"
	cEndTime     = "endTime"
	cDegree      = "degree"
	cCategory    = "category"
	cCity        = "city"
	cTotal       = "total"
	cUnit        = "unit"
	cScore       = "score"
	cCert        = "cert"
	cAttendance  = "attendance"
	cBirth       = "birth"
	cNature      = "nature"
	cDigital     = "digital"
	cPhysical    = "physical"
	cActualStart = "actualStart"
	cActualST    = "actualStartTime"
	cActualEnd   = "actualEnd"
	cActualET    = "actualEndTime"
	cPass        = "pass"
	cStudyType   = "studyType"
	cRecordID    = "recordId"
)

var (
	colNID      = Column{cNID, "身分證字號", true, "10 碼身分證統一編號或居留證號，例如 A123456789；須為本系統已有的人員。", "A123456789"}
	colName     = Column{cName, "姓名", true, "與身分證字號相符的姓名（僅供核對，不會改寫人員資料）。", "王小明"}
	colTotal    = Column{cTotal, "訓練總數", true, "整數，不接受小數；單位見「訓練總數單位」。", "6"}
	colUnit     = Column{cUnit, "訓練總數單位", true, "1 或「小時」、2 或「天」（1 天 = 6 小時）、3 或「學分」（1 學分 = 18 小時）。", "1"}
	colNature   = Column{cNature, "學習性質", true, "1 數位、2 實體、3 混成。", "2"}
	colDigital  = Column{cDigital, "數位時數", false, "整數小時。數位學習未填者以訓練總數計；混成學習必填。", ""}
	colPhysical = Column{cPhysical, "實體時數", false, "整數小時。實體學習未填者以訓練總數計；混成學習必填。", "6"}
	colCategory = Column{cCategory, "課程類別代碼", true, "人事行政總處課程類別代碼（代碼表見「新增課程」的課程類別）。", "3111"}
	colScore    = Column{cScore, "訓練成績", false, "0 到 100 的整數，可空白。", ""}
	colCity     = Column{cCity, "上課縣市", false, "縣市代碼，例如 A 臺北市、F 新北市。", "A"}
)

// real25 is the real portal's learner-hour layout (25 columns, DESIGN §6);
// old19 is its older form without the time and actual-attendance columns.
var real25 = []Column{
	colNID, {cCourse, "課程名稱", true, "", ""}, {cStart, "開課起始日期", true, "", ""}, {cStartTime, "開課起始時間", true, "", ""},
	{cEnd, "開課結束日期", true, "", ""}, {cEndTime, "開課結束時間", true, "", ""}, colName, {cDegree, "學位學分", true, "", ""},
	colCategory, {cCity, "上課縣市", true, "", ""}, {cSession, "期別", true, "", ""}, colTotal, colUnit, colScore,
	{cCert, "證件字號", false, "", ""}, {cAttendance, "出勤上課狀況", false, "", ""}, {cBirth, "生日", false, "", ""}, colNature,
	{cDigital, "數位時數", true, "", ""}, {cPhysical, "實體時數", true, "", ""}, {cCode, "課程代碼", false, "", ""},
	{cActualStart, "實際上課起始日期", true, "", ""}, {cActualST, "實際上課起始時間", true, "", ""},
	{cActualEnd, "實際上課結束日期", true, "", ""}, {cActualET, "實際上課結束時間", true, "", ""},
}

func old19() []Column {
	var out []Column
	for _, c := range real25 {
		switch c.Key {
		case cStartTime, cEndTime, cActualStart, cActualST, cActualEnd, cActualET:
			continue
		}
		out = append(out, c)
	}
	return out
}

// portalLayouts are the real portal's layouts with the blank-allowed columns
// of its own rules (it lets 數位/實體時數 be blank by nature, as L6r does).
func portalLayouts() []Layout {
	relax := func(cols []Column) []Column {
		out := make([]Column, len(cols))
		for i, c := range cols {
			if c.Key == cDigital || c.Key == cPhysical || c.Key == cStartTime || c.Key == cEndTime ||
				c.Key == cActualStart || c.Key == cActualST || c.Key == cActualEnd || c.Key == cActualET || c.Key == cDegree {
				c.Required = false
			}
			out[i] = c
		}
		return out
	}
	return []Layout{{Name: "入口網站 25 欄格式", Columns: relax(real25)}, {Name: "入口網站舊版 19 欄格式", Columns: relax(old19())}}
}

// Kinds lists every job type, in menu order.
var Kinds = []Kind{
	{ID: Courses, Name: "整批新增課程", Feature: "L2b", Note: "每列一個班期；課程代碼＋期別不可與既有班期重複。規則同「新增課程」。", Layouts: []Layout{{Name: "整批新增課程", Columns: []Column{
		{cCode, "課程代碼", true, "2 到 30 個英文字母、數字或連字號。", "MOI-2027-01"},
		{cSession, "期別", true, "1 到 4 位數字。", "1"},
		{cCourse, "課程名稱", true, "100 字以內。", "公文寫作研習班"},
		colCategory,
		{cNature, "課程性質", true, "1 數位、2 實體、3 混成。", "2"},
		{cStart, "開課起始日期", true, "民國 115/03/01、1150301 或西元 2026-03-01；只能新增當年度以後的課程。", "116/03/01"},
		{cEnd, "開課結束日期", true, "不可早於開課起始日期。", "116/03/02"},
		colTotal, colUnit,
		colDigital, colPhysical,
		{"method", "報名方式", true, "1 機關薦送、2 自由報名、3 不開放線上報名。", "2"},
		{"enrollStart", "報名開始日期", false, "機關薦送與自由報名必填。", "116/02/01"},
		{"enrollEnd", "報名結束日期", false, "機關薦送與自由報名必填；不可晚於開課結束日期。", "116/02/20"},
		{"capacity", "招收名額", false, "整數，空白為 0。", "40"},
		{"stopWhenFull", "額滿不再接受報名", false, "Y 或 N。", "Y"},
		{"fee", "學習費用", false, "整數（元），免費填 0 或空白。", "0"},
		{"restriction", "限某機關同仁報名", false, "例如 323000000A;323*，空白表示不限。", ""},
		{"location", "上課地點", false, "實體、混成課程必填。", "臺北市中正區"},
		colCity,
		{"subjects", "科目", false, "多個科目以分號「;」分隔；資料庫沒有的科目會自動加入。", "公文寫作"},
		{"lecturers", "講師", false, "多位講師以分號「;」分隔；本機關沒有的講師會自動建立。", "王大明"},
	}}}},
	{ID: Subjects, Name: "整批新增科目", Feature: "L2b", Note: "名稱相同（不分全形半形）的科目不會重複新增。", Layouts: []Layout{{Name: "整批新增科目", Columns: []Column{
		{cCourse, "科目名稱", true, "50 字以內。", "資訊安全概論"},
		{cCategory, "課程類別代碼", false, "人事行政總處課程類別代碼。", "3111"},
	}}}},
	{ID: Lecturers, Name: "整批新增講師", Feature: "L3", Note: "講師姓名與可授科目 1 必填；其他欄位請盡量詳細填寫。", Layouts: []Layout{{Name: "整批新增講師", Columns: []Column{
		{cName, "講師姓名", true, "50 字以內。", "王大明"},
		{"subject1", "可授科目1", true, "", "資訊安全"},
		{"subject2", "可授科目2", false, "", ""},
		{"subject3", "可授科目3", false, "", ""},
		{"expertise", "專長代碼", false, "多個以分號「;」分隔，例如 E08;E09。", "E08"},
		{"title", "現職", false, "", "大學教授"},
		{"education", "最高學歷", false, "", ""},
		{"experience", "經歷", false, "", ""},
		{"phone", "電話", false, "", ""},
		{"email", "電子郵件", false, "", ""},
		{"address", "地址", false, "", ""},
		{cNID, "身分證字號", false, "可空白；填寫時須為有效的身分證統一編號。", ""},
		{"public", "是否公開", false, "Y 公開（其他機關可查到，不含個人資料）或 N。", "N"},
		{"note", "備註", false, "", ""},
	}}}},
	{ID: Materials, Name: "整批新增數位教材資訊", Feature: "L7", Note: "「*」為必填欄位。", Layouts: []Layout{{Name: "整批新增數位教材資訊", Columns: []Column{
		{cCourse, "教材名稱", true, "100 字以內。", "資訊安全數位課程"},
		colCategory,
		{cTotal, "時數", true, "整數小時。", "2"},
		{"url", "教材網址", true, "http:// 或 https:// 開頭的完整網址。", "https://elearn.hrd.gov.tw/"},
		{cStart, "上架日期", true, "民國或西元日期。", "115/11/01"},
		{"audience", "適用對象", false, "", "全體公務人員"},
		{"summary", "簡介", false, "", ""},
		{"contact", "聯絡資訊", false, "", ""},
	}}}},
	{ID: HoursClass, Name: "整批新增學員時數(已開班)", Feature: "L6a",
		Note: "課程代碼與期別必須與本系統已建立的班期相同。同一檔案中同一人同一班期出現兩次時，以先出現的一列為準，後面的列標示為重複。",
		Layouts: append([]Layout{{Name: "整批新增學員時數(已開班)", Columns: []Column{
			colNID, colName,
			{cCode, "課程代碼", true, "與建立課程時的課程代碼相同。", "MOI-2027-01"},
			{cSession, "期別", true, "與建立課程時的期別相同。", "1"},
			colTotal, colUnit, colNature, colDigital, colPhysical,
			{cPass, "認證結果", false, "通過 或 不通過（Y/N），空白為通過。", "通過"},
			colScore,
		}}}, portalLayouts()...)},
	{ID: HoursExternal, Name: "整批新增學員時數(未開班)", Feature: "L6b",
		Note: "身分證字號、訓練進修機構名稱、課程名稱、起始日期、終迄日期、課程類別六項相同者更新原紀錄，任一項不同即新增一筆。同一檔案中六項相同的列出現兩次時，以先出現的一列為準。入口網站 25 欄／19 欄格式沒有機構名稱欄，以上傳機關名稱為機構名稱。",
		Layouts: append([]Layout{{Name: "整批新增學員時數(未開班)", Columns: []Column{
			colNID, colName,
			{cInst, "訓練進修機構名稱", true, "100 字以內。", "國家文官學院"},
			{cCourse, "課程名稱", true, "100 字以內。", "英語簡報技巧"},
			{cStart, "起始日期", true, "民國或西元日期。", "115/10/01"},
			{cEnd, "終迄日期", true, "不可早於起始日期。", "115/10/01"},
			colCategory, colTotal, colUnit, colNature, colDigital, colPhysical, colCity, colScore,
		}}}, portalLayouts()...)},
	{ID: HoursStudy, Name: "整批新增學員時數(進修成績)", Feature: "L6c",
		Note: "身分證字號、進修機構名稱、課程名稱、起始日期、終迄日期、進修類別六項相同者更新原紀錄，任一項不同即新增一筆。",
		Layouts: []Layout{{Name: "整批新增學員時數(進修成績)", Columns: []Column{
			colNID, colName,
			{cInst, "進修機構名稱", true, "100 字以內。", "國立政治大學"},
			{cCourse, "課程名稱", true, "100 字以內。", "公共行政碩士學分班"},
			{cStart, "起始日期", true, "民國或西元日期。", "115/02/20"},
			{cEnd, "終迄日期", true, "不可早於起始日期。", "115/06/30"},
			{cStudyType, "進修類別", true, "1 國內學位進修、2 國外學位進修、3 學分進修、4 其他進修。", "3"},
			colTotal, colUnit, colNature, colDigital, colPhysical, colScore,
		}}}},
}

// Register adds a job type defined in another package (its checker is
// registered by the wiring under its id); registering it again does nothing.
func Register(k Kind) {
	if _, ok := KindByID(k.ID); !ok {
		Kinds = append(Kinds, k)
		external[k.ID] = true
	}
}

// external are the kinds added by Register: their checkers are not Deps'.
var external = map[string]bool{}

// KindByID returns a job type.
func KindByID(id string) (Kind, bool) {
	for _, k := range Kinds {
		if k.ID == id {
			return k, true
		}
	}
	return Kind{}, false
}

// Platform is the 自動時數上傳 job type: a platform's batch of learners'
// certified hours (the L6b columns and the platform's own record id), sent
// as JSON (staged at once) or as a CSV of this layout through a presigned
// upload. Its client is Job.Params["client"], its name Params["clientName"].
const Platform = "platform"

func init() {
	inst := Column{cInst, "訓練進修機構名稱", false, "100 字以內；空白時以平臺名稱為機構名稱。", "E等公務園+"}
	Kinds = append(Kinds, Kind{ID: Platform, Name: "自動時數上傳", Feature: "L1", Machine: true,
		Note: "數位學習平臺以 API 傳送的學習時數（未開班格式，另加平台紀錄編號）。同一平臺再次送出相同的平台紀錄編號時更新原紀錄，不會重複新增；同一批次中編號重複者以先出現的一筆為準。",
		Layouts: []Layout{{Name: "自動時數上傳", Columns: []Column{
			{cRecordID, "平台紀錄編號", true, "平臺自己的紀錄編號（128 字元以內）。", "EL-2026-000123"},
			colNID, colName, inst,
			{cCourse, "課程名稱", true, "100 字以內。", "資訊安全概論"},
			{cStart, "起始日期", true, "民國或西元日期。", "2026-10-01"},
			{cEnd, "終迄日期", true, "不可早於起始日期。", "2026-10-01"},
			colCategory, colTotal, colUnit, colNature, colDigital, colPhysical, colCity, colScore,
		}}}})
}

// Nominations is the P3 job type: a list of staff nominated to the classes
// chosen at upload (Job.Params["classes"]).
const Nominations = "nominations"

func init() {
	Kinds = append(Kinds, Kind{ID: Nominations, Name: "薦送報名", Feature: "P3",
		Note: "每列一位同仁；上傳時選擇的每一個班期都會薦送，結果逐列逐班列出。同仁須屬於本機關或所屬機關；同一檔案中同一人出現兩次時，以先出現的一列為準。",
		Layouts: []Layout{{Name: "薦送報名名單", Columns: []Column{
			colNID, colName,
			{"note", "備註", false, "", ""},
		}}}})
}
