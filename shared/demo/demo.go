// Package demo generates deterministic demonstration data: an agency tree of
// about 200 agencies, about 5,000 civil servants per unit of scale, a year of
// classes, enrollments and learning records, the demo back-office users and
// statistics accounts, and a few announcements. The same seed gives the same
// data whatever the day: every class draws from a random source of its own, so
// only the dates move with Options.Now (a class ends the same number of days
// before or after "today"). Scale multiplies people, classes, enrollments and
// records.
package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ecpa-lifelong/backoffice/shared/account"
	"github.com/ecpa-lifelong/backoffice/shared/agency"
	"github.com/ecpa-lifelong/backoffice/shared/auth"
	"github.com/ecpa-lifelong/backoffice/shared/catalog"
	"github.com/ecpa-lifelong/backoffice/shared/home"
	"github.com/ecpa-lifelong/backoffice/shared/hoursfeed"
	"github.com/ecpa-lifelong/backoffice/shared/nid"
	"github.com/ecpa-lifelong/backoffice/shared/records"
	"github.com/ecpa-lifelong/backoffice/shared/roc"
	"github.com/ecpa-lifelong/backoffice/shared/staff"
)

// Options choose what to generate.
type Options struct {
	Seed    uint64
	Scale   int       // 1: about 5,000 people; 100: about 500,000
	Now     time.Time // the clock's instant the data is made for; its Taipei day is "today" (required)
	People  int       // overrides 5,000 × Scale (tests use a few hundred)
	Classes int       // overrides 400 × Scale
	// PlatformKey is the system signing key: the demo platform's secret is
	// stored as its HMAC with the pepper derived from it (nil: no platform).
	PlatformKey []byte
}

// Data is a generated data set.
type Data struct {
	Agencies      []agency.Agency
	People        []staff.Person
	Classes       []catalog.Class
	Enrollments   []catalog.Enrollment
	Records       []records.Record
	Users         []account.User
	Stats         []StatsAccount
	Announcements []home.Announcement
	Subjects      []catalog.Subject
	Lecturers     []catalog.Lecturer
	Materials     []catalog.Material
	Platforms     []Platform
}

// Platform is a demo platform client with its clear-text secret.
type Platform struct {
	hoursfeed.Client
	Secret string
}

// The demo platform (自動時數上傳): for local use only, documented in the
// README; a deployed system has only the clients its administrators register.
const (
	PlatformID     = "plc-demo-elearn"
	PlatformSecret = "local-only-demo-secret-elearn-2026"
)

// StatsAccount is a demo statistics account with its clear-text password.
type StatsAccount struct {
	account.StatsAccount
	Password string
}

// Fixed codes the demo users and tests rely on.
const (
	DGPA   = "A09000000E" // 行政院人事行政總處: the portal administrators
	MOI    = "301000000A" // 內政部
	MOINPA = "301010000C" // 內政部警政署 (moi.hr also serves it: 兼辦)
	TPE    = "379000000A" // 臺北市政府
	MOEA   = "315000000H" // 經濟部 (with state-owned enterprises)
	// Two of 經濟部's state-owned enterprises (事業機構), with staff who learn
	// in classes of their own: what moea.hr and stats.moea see in P11.
	MOEAPower = "315910000P" // 台灣電力股份有限公司
	MOEAOil   = "315920000Q" // 台灣中油股份有限公司
)

// enterpriseStaff is how many of the first people serve each of the two
// enterprises above (after the demo users' agencies' twelve).
const enterpriseStaff = 4

// StatsPassword is the demo statistics accounts' password (shown by make run).
const StatsPassword = "Demo-Stats-2026!"

var ministries = []struct{ code, name string }{
	{MOI, "內政部"}, {"303000000B", "外交部"}, {"305000000C", "國防部"}, {"307000000D", "財政部"},
	{"309000000E", "教育部"}, {"311000000F", "法務部"}, {MOEA, "經濟部"}, {"313000000G", "交通部"},
	{"317000000J", "勞動部"}, {"319000000K", "衛生福利部"}, {"321000000L", "環境部"}, {"323000000M", "文化部"},
}

var localGovs = []struct{ code, name string }{
	{TPE, "臺北市政府"}, {"382000000A", "新北市政府"}, {"397000000A", "臺中市政府"},
	{"395000000A", "臺南市政府"}, {"397100000B", "高雄市政府"}, {"376410000C", "桃園市政府"},
}

var subNames = []string{"署", "局", "處", "中心", "委員會", "研究所", "管理處"}
var subPrefixes = []string{"警政", "移民", "國土", "營建", "消防", "役政", "地政", "戶政", "統計", "資訊", "訓練", "檢驗", "標準", "水利", "公路", "氣象", "觀光", "健保", "疾管", "食藥"}
var cityBureaus = []string{"民政局", "財政局", "教育局", "工務局", "社會局", "勞動局", "衛生局", "環境保護局", "人事處", "主計處"}
var enterprises = []string{"台灣電力股份有限公司", "台灣中油股份有限公司", "台灣自來水股份有限公司", "台灣糖業股份有限公司"}

// Generate builds the data set; it does not touch any store.
func Generate(o Options) Data {
	if o.Scale < 1 {
		o.Scale = 1
	}
	if o.Now.IsZero() {
		panic("demo.Generate: Options.Now is required (the clock's instant)") // a caller's bug, caught by any test
	}
	r := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	var d Data
	d.Agencies = agencies(r)
	if o.People == 0 {
		o.People = 5000 * o.Scale
	}
	if o.Classes == 0 {
		o.Classes = 400 * o.Scale
	}
	d.People = people(r, d.Agencies, o.People)
	d.Classes, d.Enrollments, d.Records = learning(o, d.Agencies, d.People)
	d.Users = users()
	d.Stats = []StatsAccount{
		{account.StatsAccount{Username: "stats.moi", Name: "內政部統計報表帳號", Agency: MOI}, StatsPassword},
		{account.StatsAccount{Username: "stats.tpe", Name: "臺北市政府統計報表帳號", Agency: TPE}, StatsPassword},
		{account.StatsAccount{Username: "stats.moea", Name: "經濟部統計報表帳號", Agency: MOEA}, StatsPassword},
	}
	d.Announcements = announcements(o.Now)
	d.Platforms = []Platform{{hoursfeed.Client{ID: PlatformID, Name: "E等公務園+", Agency: MOI, AgencyName: "內政部",
		National: true, State: hoursfeed.Active, Created: o.Now.UTC(), CreatedBy: "sys.admin"}, PlatformSecret}}
	// A source of its own, so the catalogue never shifts the data above.
	cr := rand.New(rand.NewPCG(o.Seed+1, o.Seed^0x5851f42d4c957f2d))
	d.Subjects = Subjects(o.Now)
	d.Lecturers = Lecturers(cr, d.Agencies, 40*o.Scale+len(d.Agencies), o.Now)
	d.Materials = Materials(cr, d.Agencies, 30*o.Scale, o.Now)
	return d
}

func agencies(r *rand.Rand) []agency.Agency {
	list := []agency.Agency{{Code: DGPA, Name: "行政院人事行政總處", Level: 1, Kind: agency.KindAgency}}
	list = append(list, agency.Agency{Code: "A09010000E", Name: "行政院人事行政總處公務人力發展學院", Parent: DGPA, Level: 2, Kind: agency.KindAgency})
	for _, m := range ministries {
		list = append(list, agency.Agency{Code: m.code, Name: m.name, Level: 1, Kind: agency.KindAgency})
		subs := 7
		for i := 1; i <= subs; i++ {
			code := fmt.Sprintf("%s%02d0000%c", m.code[:3], i, 'A'+rune(i%8))
			name := m.name + subPrefixes[r.IntN(len(subPrefixes))] + subNames[r.IntN(len(subNames))]
			if code[:5] == MOINPA[:5] {
				code, name = MOINPA, "內政部警政署"
			}
			list = append(list, agency.Agency{Code: code, Name: name, Parent: m.code, Level: 2, Kind: agency.KindAgency})
			if i <= 4 {
				for j := 1; j <= 1; j++ {
					c3 := fmt.Sprintf("%s%02d00%c", code[:5], j, 'B'+rune(i))
					list = append(list, agency.Agency{Code: c3, Name: name + fmt.Sprintf("第%d分支機構", j), Parent: code, Level: 3, Kind: agency.KindAgency})
				}
			}
		}
		if m.code == MOEA {
			for i, e := range enterprises {
				list = append(list, agency.Agency{Code: fmt.Sprintf("3159%d0000%c", i+1, 'P'+rune(i)), Name: e, Parent: MOEA, Level: 2, Kind: agency.KindEnterprise})
			}
		}
	}
	for _, g := range localGovs {
		list = append(list, agency.Agency{Code: g.code, Name: g.name, Level: 1, Kind: agency.KindAgency})
		for i, b := range cityBureaus {
			code := fmt.Sprintf("%s%02d000%c", g.code[:4], i+1, 'A'+rune(i%6))
			list = append(list, agency.Agency{Code: code, Name: g.name[:len(g.name)-len("政府")] + b, Parent: g.code, Level: 2, Kind: agency.KindAgency})
		}
		for i := 1; i <= 3; i++ {
			code := fmt.Sprintf("%s9%d000%c", g.code[:4], i, 'S')
			list = append(list, agency.Agency{Code: code, Name: fmt.Sprintf("%s立第%d高級中學", g.name[:len(g.name)-len("政府")], i), Parent: g.code, Level: 2, Kind: agency.KindSchool})
		}
	}
	tree, err := agency.BuildPaths(list)
	if err != nil {
		panic("demo agency tree: " + err.Error()) // the generator's own data: a bug, caught by its test
	}
	return tree
}

var surnames = []rune("陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐周葉蘇莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余盧梁趙顏柯翁魏孫戴")
var given = []rune("怡君雅婷淑芬美玲志明家豪俊傑建宏冠宇承恩宗翰佳穎欣怡詩涵柏翰子晴品妤宥廷心怡文雄國華明德惠如")
var units = []string{"人事室", "秘書室", "會計室", "政風室", "資訊室", "綜合規劃科", "業務一科", "業務二科", "法制科", "研考科"}
var titles = []struct{ title, rank string }{
	{"書記", "委任第三職等"}, {"辦事員", "委任第四職等"}, {"科員", "委任第五職等"}, {"科員", "薦任第六職等"},
	{"專員", "薦任第七職等"}, {"技正", "薦任第八職等"}, {"科長", "薦任第九職等"}, {"專門委員", "簡任第十職等"},
	{"副處長", "簡任第十一職等"}, {"處長", "簡任第十二職等"},
}
var categories = []string{"一般公務人員", "一般公務人員", "一般公務人員", "約聘僱人員", "警察人員", "技術人員"}

func people(r *rand.Rand, tree []agency.Agency, n int) []staff.Person {
	out := make([]staff.Person, 0, n)
	seen := map[string]bool{}
	fixed := []string{MOI, MOINPA, TPE, DGPA}
	byCode := map[string]agency.Agency{}
	for _, a := range tree {
		byCode[a.Code] = a
	}
	for i := 0; i < n; i++ {
		a := tree[r.IntN(len(tree))]
		switch {
		case i < len(fixed)*3: // the demo users' agencies always have staff
			a = byCode[fixed[i%len(fixed)]]
		case i < len(fixed)*3+2*enterpriseStaff: // and so do two enterprises (P11)
			a = byCode[[]string{MOEAPower, MOEAOil}[i%2]]
		}
		gender := 1 + r.IntN(2)
		id := nid.Generate(r, gender)
		for seen[id] {
			id = nid.Generate(r, gender)
		}
		seen[id] = true
		t := titles[r.IntN(len(titles))]
		cat := categories[r.IntN(len(categories))]
		if a.Kind == agency.KindSchool {
			cat = "教育人員"
		} else if a.Kind == agency.KindEnterprise {
			cat = "事業機構人員"
		}
		out = append(out, staff.Person{
			ID: fmt.Sprintf("p%07d", i+1), NationalID: id, Gender: gender,
			Name:   string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))]) + string(given[r.IntN(len(given))]),
			Birth:  time.Date(1965+r.IntN(35), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
			Agency: a.Code, Unit: units[r.IntN(len(units))], Title: t.title, Rank: t.rank, Category: cat,
			Member: r.IntN(100) < 85,
		})
	}
	return out
}

// CourseCategories are a few course category codes with names (the full
// five-level table is data loaded by the catalogue).
var CourseCategories = []struct{ Code, Name string }{
	{"111", "當前重大政策"}, {"121", "環境教育"}, {"131", "民主治理價值"}, {"132", "性別主流化"},
	{"211", "人文素養"}, {"311", "資訊科技"}, {"411", "管理發展"}, {"511", "專業技能"},
}
var courseTopics = []string{"數位治理實務", "公文寫作", "淨零排放與環境教育", "性別平等與性別主流化", "政策溝通", "個人資料保護", "危機管理", "跨域協調", "資料分析入門", "廉政倫理", "國際視野", "簡報技巧"}
var places = []string{"臺北市", "新北市", "臺中市", "臺南市", "高雄市", "線上"}

// source is a random source of its own for one part of the data (stream)
// and one item of it (i), so no item's draws depend on another's, or on the day.
func source(seed uint64, stream, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^uint64(stream)<<48, uint64(i)*0x9e3779b97f4a7c15+1))
}

const (
	streamClasses = iota + 1
	streamExternal
)

// learning makes about a year of classes around today (two in three have
// ended), their enrollments and the records of those that ended. Days are
// Taipei days (roc.Day); a class's year is the year it starts, and its
// records carry it (as the course-end transfer writes them).
func learning(o Options, tree []agency.Agency, ppl []staff.Person) ([]catalog.Class, []catalog.Enrollment, []records.Record) {
	today := roc.Day(o.Now)
	yesterday := today.AddDate(0, 0, -1)
	byAgency := map[string][]int{}
	for i, p := range ppl {
		byAgency[p.Agency] = append(byAgency[p.Agency], i)
	}
	var classes []catalog.Class
	var enr []catalog.Enrollment
	var recs []records.Record
	byCode := map[string]agency.Agency{}
	for _, a := range tree {
		byCode[a.Code] = a
	}
	for i := 0; i < o.Classes; i++ {
		r := source(o.Seed, streamClasses, i)
		org := tree[r.IntN(len(tree))]
		switch i % 50 { // the demo users' agencies always organise some classes
		case 0, 5, 7: // 0: one of the classes that ended yesterday is MOI's (成績回登 has work to show)
			org = byCode[MOI]
		case 6:
			org = byCode[TPE]
		case 9: // the enterprises' staff learn (P11)
			org = byCode[MOEAPower]
		case 19:
			org = byCode[MOEAOil]
		}
		cat := CourseCategories[r.IntN(len(CourseCategories))]
		start := today.AddDate(0, 0, r.IntN(360)-240)
		days := 1 + r.IntN(3)
		end := start.AddDate(0, 0, days-1)
		if i < 3 { // a few classes end yesterday: the morning roster transfer has work to show
			end, start = yesterday, yesterday.AddDate(0, 0, -(days-1))
		}
		nature := []string{"physical", "physical", "digital", "blended"}[r.IntN(4)]
		c := catalog.Class{
			CourseCode: fmt.Sprintf("%s%04d", org.Code[:3], i+1), Session: fmt.Sprintf("%d", 1+r.IntN(3)),
			Name: courseTopics[r.IntN(len(courseTopics))], Agency: org.Code, Category: cat.Code, Nature: nature,
			Method: []string{"open", "open", "nominated", "offline"}[r.IntN(4)],
			Start:  start.Format(time.DateOnly), End: end.Format(time.DateOnly), Hours: 6 * days,
			Capacity: 30 + 10*r.IntN(4), Location: places[r.IntN(len(places))], Year: start.Year(),
		}
		fillClass(&c, start, days)
		classes = append(classes, c)
		pool := byAgency[org.Code]
		if len(pool) == 0 {
			continue
		}
		n := min(len(pool), 10+r.IntN(c.Capacity-9))
		ended := end.Before(today)
		for k, idx := range r.Perm(len(pool))[:n] {
			p := ppl[pool[idx]]
			passed := r.IntN(20) != 0 // drawn for everyone: the draws never depend on the day
			status := catalog.Approved
			switch {
			case !ended && k%3 == 0:
				status = catalog.Pending
			case k%17 == 0:
				status = catalog.Rejected
			}
			e := catalog.Enrollment{CourseCode: c.CourseCode, Session: c.Session, PersonID: p.ID, Agency: p.Agency,
				Status: status, At: start.AddDate(0, 0, -20).Add(time.Duration(k) * time.Minute)}
			if status == catalog.Rejected {
				e.Reason = "名額已滿，請報名下一期"
			}
			enr = append(enr, e)
			if status != catalog.Rejected {
				classes[len(classes)-1].Enrolled++
			}
			if ended && status == catalog.Approved && !end.Equal(yesterday) {
				rec := records.OfClass(c, p.ID, p.Agency, end.AddDate(0, 0, 1))
				rec.Passed, rec.Status, rec.Title, rec.Rank = &passed, records.Final, p.Title, p.Rank
				recs = append(recs, rec)
			}
		}
	}
	// Hours learned at private institutions in the last 300 days wait for a
	// personnel officer (P15).
	for i := 0; i < len(ppl)/30; i++ {
		r := source(o.Seed, streamExternal, i)
		p := ppl[r.IntN(len(ppl))]
		day := today.AddDate(0, 0, -1-r.IntN(300))
		recs = append(recs, external(records.Record{PersonID: p.ID, ID: fmt.Sprintf("X#%06d", i+1), Agency: p.Agency, Year: day.Year(),
			CourseName: "民間機構研習：" + courseTopics[r.IntN(len(courseTopics))],
			Category:   CourseCategories[r.IntN(len(CourseCategories))].Code,
			Start:      day.Format(time.DateOnly), End: day.Format(time.DateOnly), Created: day}, p, i))
	}
	// The agencies the demo users serve always have a few, in different
	// numbers, so switching agency (H3) visibly changes the to-do count (H6).
	for _, fixed := range []struct {
		code string
		n    int
	}{{MOI, 3}, {MOINPA, 5}, {TPE, 2}} { // a slice, not a map: the same seed gives the same order
		code, n := fixed.code, fixed.n
		pool := byAgency[code]
		for i := 0; i < n && len(pool) > 0; i++ {
			p := ppl[pool[i%len(pool)]]
			day := today.AddDate(0, 0, -(i + 1))
			recs = append(recs, external(records.Record{PersonID: p.ID, ID: fmt.Sprintf("X#%s%02d", code, i), Agency: code, Year: day.Year(),
				CourseName: "民間機構研習：" + courseTopics[i%len(courseTopics)],
				Category:   CourseCategories[i%len(CourseCategories)].Code, Start: day.Format(time.DateOnly), End: day.Format(time.DateOnly),
				Created: today}, p, i))
		}
	}
	// A few of this year's results were corrected after a score download
	// delivered them (the rewrite cleared the download mark): correction
	// notices, which H6 counts and P1 lists.
	year := today.Format("2006") + "-"
	for _, fixed := range []struct {
		code string
		n    int
	}{{MOI, 2}, {TPE, 1}} {
		for i, left := range recs {
			if fixed.n == 0 {
				break
			}
			if left.Agency == fixed.code && left.Status == records.Final && strings.HasPrefix(left.End, year) {
				recs[i].Notice = true
				fixed.n--
			}
		}
	}
	// Final records of courses not opened here (L6b), as an upload leaves
	// them: what L6b's 線上維護 finds, edits and deletes in make run.
	for _, code := range []string{MOI, TPE} {
		// The agency's last people, never the directory's first ten (tests
		// make their own records for those and expect to find only them).
		var chosen []int
		for j := len(byAgency[code]) - 1; j >= 0 && len(chosen) < 4; j-- {
			if idx := byAgency[code][j]; idx >= 10 {
				chosen = append(chosen, idx)
			}
		}
		for i, idx := range chosen {
			p := ppl[idx]
			day := today.AddDate(0, 0, -(30 + i))
			start, end := day.Format(time.DateOnly), day.Format(time.DateOnly)
			course, cat := "外部研習："+courseTopics[(i+2)%len(courseTopics)], CourseCategories[(i+1)%len(CourseCategories)].Code
			r := external(records.Record{PersonID: p.ID, Agency: code, Year: day.Year(), CourseName: course, Category: cat,
				Start: start, End: end, Created: day}, p, i)
			r.ID = fmt.Sprintf("B#demo%s%02d", code, i) // stable on every day (an upload's id hashes the dates)
			r.Status = records.Final
			recs = append(recs, r)
		}
	}
	return classes, enr, recs
}

// institutions are the private institutions of the demo's reported hours.
var institutions = []string{"中國生產力中心", "救國團社會教育中心", "台灣金融研訓院", "資訊工業策進會", "財團法人國家文官培訓基金會"}

// external completes a record a learner reported from a private institution
// (P15): 3 physical hours, passed by the learner's account, waiting for
// review, with the learner's title and rank. Nothing here draws a random
// number, so the demo's draws stay the same.
func external(r records.Record, p staff.Person, i int) records.Record {
	passed := true
	r.Source, r.Institution, r.Nature, r.Hours, r.PhysicalHours = records.SourceExternal, institutions[i%len(institutions)], "physical", 3, 3
	r.Passed, r.Status, r.Title, r.Rank = &passed, records.PendingReview, p.Title, p.Rank
	return r
}

var (
	learningFns  = []string{"L1", "L2", "L2b", "L3", "L4", "L5", "L6a", "L6b", "L6c", "L7"}
	personnelFns = []string{"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10", "P11", "P12", "P13", "P14", "P15", "P16", "P17", "P18", "L1", "L6b", "L6c"}
)

func allFns(withSys bool) []string {
	var out []string
	for _, f := range auth.Features {
		if f.ID == "S1" || (f.ID == auth.SysAdmin && !withSys) {
			continue
		}
		out = append(out, f.ID)
	}
	return out
}

func users() []account.User {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return []account.User{
		{ID: "sys.admin", Name: "蘇系統", Title: "系統管理者", Agency: DGPA, Grants: map[string][]string{DGPA: allFns(true)}, Updated: at},
		{ID: "moi.admin", Name: "林管理", Title: "人事處處長", Agency: MOI, Grants: map[string][]string{MOI: allFns(false)}, Updated: at},
		{ID: "moi.course", Name: "陳開課", Title: "專員", Agency: MOI, Grants: map[string][]string{MOI: learningFns}, Updated: at},
		{ID: "moi.hr", Name: "黃人事", Title: "科員", Agency: MOI, Serves: []string{MOINPA},
			Grants: map[string][]string{MOI: personnelFns, MOINPA: personnelFns}, Updated: at},
		{ID: "tpe.admin", Name: "王市府", Title: "人事處科長", Agency: TPE, Grants: map[string][]string{TPE: allFns(false)}, Updated: at},
		{ID: "tpe.hr", Name: "張人事", Title: "科員", Agency: TPE, Grants: map[string][]string{TPE: personnelFns}, Updated: at},
		// 經濟部's personnel officer: its subtree holds the state-owned enterprises (P11)
		{ID: "moea.hr", Name: "趙人事", Title: "科員", Agency: MOEA, Grants: map[string][]string{MOEA: personnelFns}, Updated: at},
		{ID: "moi.retired", Name: "吳停用", Title: "科員", Agency: MOI, Disabled: true, Grants: map[string][]string{MOI: learningFns}, Updated: at},
	}
}

func announcements(now time.Time) []home.Announcement {
	t := now.UTC()
	return []home.Announcement{
		{ID: "welcome", Title: "終身學習入口網站管理後台上線公告", Body: "新版管理後台已上線。各機關承辦人請以人事服務網帳號登入；統計報表帳號請以原帳號密碼登入。\n如有問題請洽行政院人事行政總處。",
			BackOffice: true, FrontStage: true, PublishAt: t.AddDate(0, 0, -30), UpdatedBy: "sys.admin", Updated: t.AddDate(0, 0, -30)},
		{ID: "yearend", Title: "年度學習時數登錄截止提醒", Body: "請於 12 月 15 日前完成本年度學習時數登錄與複核，逾期將無法列入年度統計。",
			BackOffice: true, PublishAt: t.AddDate(0, 0, -3), UpdatedBy: "sys.admin", Updated: t.AddDate(0, 0, -3)},
		{ID: "old", Title: "（已下架）系統維護通知", Body: "系統已於上月完成維護。",
			BackOffice: true, PublishAt: t.AddDate(0, -2, 0), ExpiresAt: t.AddDate(0, -1, 0), UpdatedBy: "sys.admin", Updated: t.AddDate(0, -1, 0)},
	}
}
