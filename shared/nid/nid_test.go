package nid

import (
	"math/rand/v2"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"A123456789", true},  // the textbook example
		{"A123456788", false}, // wrong check digit
		{"F131104093", true},
		{"A800000014", true},  // new resident form
		{"AB12345678", false}, // old resident form, wrong check digit
		{"AC01234567", true},  // old resident form: 1+0+2*8+56+7 = 80
		{"AC01234568", false},
		{"a123456789", false}, // lowercase is not accepted as is
		{"A12345678", false},
		{"A323456789", false}, // 3 is neither gender nor resident
		{"", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.id); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v (%v)", tt.id, got, tt.want, Check(tt.id))
		}
	}
}

func TestOldResidentForm(t *testing.T) {
	// Find a valid old-form number by brute force over the check digit; exactly one fits.
	valid := 0
	for d := 0; d < 10; d++ {
		if Valid("AB1234567" + string(rune('0'+d))) {
			valid++
		}
	}
	if valid != 1 {
		t.Fatalf("old resident form: %d check digits valid, want exactly 1", valid)
	}
}

func TestGenerateIsValid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		g := 1 + i%2
		id := Generate(r, g)
		if !Valid(id) {
			t.Fatalf("Generate produced invalid %q: %v", id, Check(id))
		}
		if int(id[1]-'0') != g {
			t.Fatalf("Generate(%d) gave gender digit %c", g, id[1])
		}
	}
}

func TestMaskText(t *testing.T) {
	got := MaskText(`import row 3: A123456789 not found; B234567890 ok`)
	want := `import row 3: A12****789 not found; B23****890 ok`
	if got != want {
		t.Fatalf("MaskText = %q, want %q", got, want)
	}
}
