package personnelfeed

import (
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/imports"
)

// Every row gets a result the administrator can act on.
func TestParse(t *testing.T) {
	const header = "身分證字號,姓名,性別,出生日期,機關代碼,服務單位,職稱,官職等,人員類別,現職狀態,電子郵件\n"
	known := func(c string) bool { return c == "301000000A" }
	for _, tc := range []struct {
		name, row, want string // want: part of the error, "" for none
	}{
		{"valid", "A123456789,王小明,1,75/01/02,301000000A,人事處,科員,委任第五職等,一般,在職,a@b.tw", ""},
		{"gender by word, ISO birth", "A123456789,王小明,男,1986-01-02,301000000A,,,,,留職停薪,", ""},
		{"checksum", "A123456788,王小明,1,,301000000A,,,,,在職,", "檢查碼"},
		{"unknown agency", "A123456789,王小明,1,,302000000A,,,,,在職,", "不在本系統的機關名冊"},
		{"malformed agency", "A123456789,王小明,1,,301,,,,,在職,", "10 碼"},
		{"status", "A123456789,王小明,1,,301000000A,,,,,停職,", "現職狀態"},
		{"gender", "A123456789,王小明,3,,301000000A,,,,,在職,", "性別"},
		{"birth", "A123456789,王小明,1,明天,301000000A,,,,,在職,", "出生日期"},
		{"email", "A123456789,王小明,1,,301000000A,,,,,在職,nobody", "電子郵件"},
		{"name", "A123456789,,1,,301000000A,,,,,在職,", "姓名"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rd, err := imports.NewReader(strings.NewReader(header+tc.row+"\n"), Kind)
			if err != nil {
				t.Fatal(err)
			}
			r, err := rd.Next()
			if err != nil {
				t.Fatal(err)
			}
			p, bad := parse(r, known)
			switch {
			case tc.want == "" && bad != nil:
				t.Fatalf("refused: %s", bad.Msg)
			case tc.want == "" && (p.NationalID != "A123456789" || p.Gender != 1 || p.Agency != "301000000A"):
				t.Fatalf("person %+v", p)
			case tc.want != "" && (bad == nil || !strings.Contains(bad.Msg, tc.want)):
				t.Fatalf("error %v, want one saying %q", bad, tc.want)
			}
		})
	}
}
