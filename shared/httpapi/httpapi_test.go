package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range errcode.All() {
		if _, ok := statusOf[c]; !ok {
			t.Errorf("code %q has no HTTP status in statusOf", c)
		}
	}
	if len(statusOf) != len(errcode.All()) {
		t.Errorf("statusOf has %d entries, errcode.All %d", len(statusOf), len(errcode.All()))
	}
}

type body struct {
	Name string `json:"name"`
	N    int    `json:"n"`
}

func (b *body) Valid() error {
	if b.Name == "" {
		return errcode.Field("name", "請填寫名稱。")
	}
	return nil
}

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		code errcode.Code
	}{
		{`{"name":"a","n":1}`, ""},
		{``, errcode.BadJSON},
		{`{"name":"a","x":1}`, errcode.BadJSON},
		{`{"name":"a","n":"1"}`, errcode.BadJSON},
		{`{"name":"a"} {}`, errcode.BadJSON},
		{`{"n":1}`, errcode.Invalid},
		{`{"name":"` + strings.Repeat("x", MaxBody) + `"}`, errcode.TooLarge},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.in))
		_, err := Decode[body](r)
		if tt.code == "" {
			if err != nil {
				t.Errorf("Decode(%.30q) = %v", tt.in, err)
			}
			continue
		}
		if !errcode.Is(err, tt.code) {
			t.Errorf("Decode(%.30q) = %v, want code %s", tt.in, err, tt.code)
		}
	}
}

func TestErrorHidesInternalCause(t *testing.T) {
	w := httptest.NewRecorder()
	Error(w, httptest.NewRequest("GET", "/x", nil), errors.New("dynamodb: secret table detail"))
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
	if strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("internal cause leaked: %s", w.Body)
	}
	var e errcode.Error
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code != errcode.Internal || e.Message == "" {
		t.Fatalf("body %s: %v", w.Body, err)
	}
}

func TestRecoverAnswersWithoutStack(t *testing.T) {
	h := Recover(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom at main.go:12") }))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || strings.Contains(w.Body.String(), "main.go") {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
}

func TestServeUnknownRouteIsJSON404(t *testing.T) {
	routes := func(r Router) {
		r.Handle("GET /api/x", HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return nil }))
	}
	w := httptest.NewRecorder()
	Serve(routes).ServeHTTP(w, httptest.NewRequest("GET", "/api/nope", nil))
	if w.Code != 404 || !strings.Contains(w.Body.String(), `"not_found"`) {
		t.Fatalf("status %d body %s", w.Code, w.Body)
	}
}

func TestLoggerMasksNationalIDs(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, slog.LevelInfo)
	log.Info("row A123456789 failed", "id", "B234567890", "err", errors.New("person C123456780 missing"))
	out := buf.String()
	for _, clear := range []string{"A123456789", "B234567890", "C123456780"} {
		if strings.Contains(out, clear) {
			t.Errorf("log contains %s in clear: %s", clear, out)
		}
	}
	if !strings.Contains(out, "B23****890") {
		t.Errorf("masked id missing: %s", out)
	}
}
