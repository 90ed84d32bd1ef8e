package codes

import (
	"strings"
	"testing"
)

func TestDefaultsParse(t *testing.T) {
	for _, name := range []string{Categories, Expertise, Cities, Titles, Ranks} {
		tb, err := Default(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(tb.Entries) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
	cats, _ := Default(Categories)
	e, ok := cats.Lookup("31111")
	if !ok || e.Level != 5 || e.Parent != "3111" {
		t.Errorf("31111: %+v %v", e, ok)
	}
}

func TestParseRefuses(t *testing.T) {
	for name, csv := range map[string]string{
		"no codes":       "code,name\n",
		"duplicate":      "code,name\n1,a\n1,b\n",
		"unknown parent": "code,name,parent\n11,a,1\n",
		"too deep":       "code,name,parent\n1,a,\n2,b,1\n3,c,2\n4,d,3\n5,e,4\n6,f,5\n",
		"no name":        "code,name\n1,\n",
	} {
		if _, err := Parse("t", strings.NewReader(csv)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
