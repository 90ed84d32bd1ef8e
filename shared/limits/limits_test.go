package limits

import (
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

type inner struct {
	PersonID string `json:"personId" max:"id"`
	Reason   string `json:"reason"`
}

type outer struct {
	Name   string            `json:"name" max:"50"`
	Body   string            `json:"body" max:"2000,multiline"`
	List   []inner           `json:"decisions"`
	Params map[string]string `json:"params"`
	Skip   string            `json:"-"`
	Ptr    *inner            `json:"ptr"`
	plain  string
}

func TestBody(t *testing.T) {
	tests := []struct {
		name  string
		in    outer
		field string // "" = accepted
	}{
		{"plain text", outer{Name: "王小明", Body: "第一行\n第二行\t", List: []inner{{"A123", "原因"}}}, ""},
		{"full-width and combining", outer{Name: "ＡＢＣ１２３ é́", Params: map[string]string{"code": "ＡＢ"}}, ""},
		{"name at its limit", outer{Name: strings.Repeat("字", 50)}, ""},
		{"name over its limit", outer{Name: strings.Repeat("字", 51)}, "name"},
		{"NUL in a name", outer{Name: "a\x00b"}, "name"},
		{"ESC in a name", outer{Name: "\x1b[31m"}, "name"},
		{"newline in a one-line field", outer{Name: "a\nb"}, "name"},
		{"bidi override", outer{Name: "abc\u202egpj.exe"}, "name"},
		{"bidi isolate", outer{Body: "x\u2066y"}, "body"},
		{"C1 control", outer{Body: "x\u0085y"}, "body"},
		{"DEL", outer{Body: "x\x7fy"}, "body"},
		// Characters that show nothing or change how the rest reads (issue 27).
		{"zero-width space only", outer{Name: "\u200b"}, "name"},
		{"zero-width space inside", outer{Name: "王\u200b小明"}, "name"},
		{"RLM", outer{Name: "abc\u200f"}, "name"},
		{"BOM", outer{Name: "\ufeff王小明"}, "name"},
		{"line separator, even in multiline text", outer{Body: "a\u2028b"}, "body"},
		{"paragraph separator", outer{Body: "a\u2029b"}, "body"},
		{"tag character", outer{Name: "旗\U000E0041"}, "name"},
		{"private use", outer{Name: "\ue000"}, "name"},
		{"supplementary private use", outer{Name: "\U000F0000"}, "name"},
		{"soft hyphen", outer{Name: "a\u00adb"}, "name"},
		{"ideographic variation selector stays", outer{Name: "葛\U000E0100"}, ""},
		{"ideographic space and emoji stay", outer{Name: "王　小明 🙂"}, ""},
		{"1 MB text", outer{Body: strings.Repeat("x", 1<<20)}, "body"},
		{"3,000-character id in an array", outer{List: []inner{{"ok", ""}, {strings.Repeat("A", 3000), ""}}}, "decisions[1].personId"},
		{"default limit of an untagged field", outer{List: []inner{{"ok", strings.Repeat("x", Text+1)}}}, "decisions[0].reason"},
		{"map value", outer{Params: map[string]string{"course": strings.Repeat("A", Text+1)}}, "params.course"},
		{"map key", outer{Params: map[string]string{strings.Repeat("k", ID+1): "v"}}, "params"},
		{"pointer", outer{Ptr: &inner{PersonID: "\x00"}}, "ptr.personId"},
		{"json:\"-\" and unexported fields are not input", outer{Skip: "\x00", plain: "\x00"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Body(&tt.in)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			e := errcode.As(err)
			if err == nil || e.Code != errcode.Invalid || e.Field != tt.field || !strings.Contains(e.Message, tt.field) {
				t.Fatalf("got %+v, want invalid_input naming %q", err, tt.field)
			}
		})
	}
}

func TestTooManyItems(t *testing.T) {
	in := struct {
		IDs []string `json:"personIds"`
	}{IDs: make([]string, Items+1)}
	if e := errcode.As(Body(&in)); e.Field != "personIds" {
		t.Fatalf("got %+v", e)
	}
}
