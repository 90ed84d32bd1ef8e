package csvtext

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
)

func TestFormulaAndNeutralise(t *testing.T) {
	for _, tc := range []struct {
		in, out string
	}{
		{"=1+1", "'=1+1"},
		{`=HYPERLINK("http://x","點我")`, `'=HYPERLINK("http://x","點我")`},
		{"+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"-1+cmd|' /C calc'!A0", "'-1+cmd|' /C calc'!A0"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"+A1", "'+A1"},
		{"-", "'-"},
		{"+886-2-1234", "'+886-2-1234"},
		{"- 3", "'- 3"},
		{"-3.", "'-3."},
		{"-3", "-3"}, // numbers stay numbers
		{"+886", "+886"},
		{"-1.5", "-1.5"},
		{"0301000000", "0301000000"},
		{"a=b", "a=b"},
		{"王", "王"},
		{"", ""},
		{"'=x", "'=x"}, // already neutral: Neutralise is idempotent
	} {
		if got := Neutralise(tc.in); got != tc.out {
			t.Errorf("Neutralise(%q) = %q, want %q", tc.in, got, tc.out)
		}
		if got := Formula(tc.in); got != (tc.out != tc.in) {
			t.Errorf("Formula(%q) = %v", tc.in, got)
		}
	}
}

func TestWriterNeutralisesEveryCell(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	row := []string{"=1+2", "-3", "王,小明", "@x"}
	if err := w.Write(row); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if row[0] != "=1+2" {
		t.Error("Write changed the caller's row")
	}
	if !strings.HasPrefix(b.String(), "\uFEFF") || !strings.HasSuffix(b.String(), "\r\n") {
		t.Errorf("want a BOM and CRLF: %q", b.String())
	}
	got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\uFEFF"))).Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"'=1+2", "-3", "王,小明", "'@x"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("read back %q, want %q", got, want)
	}
}
