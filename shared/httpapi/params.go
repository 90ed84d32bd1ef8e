package httpapi

import (
	"encoding/base64"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
)

// CursorParam is the query parameter every paged list reads its cursor from.
const CursorParam = "next"

// Cursor reads a list's opaque paging cursor (the "next" a previous page
// gave): base64url of a sort key, at most limits.Cursor bytes once decoded,
// so a forged one is refused here and never reaches DynamoDB. "" is the
// first page. Every paged route reads its cursor through this function.
func Cursor(r *http.Request) (string, error) {
	c := r.URL.Query().Get(CursorParam)
	if c == "" {
		return "", nil
	}
	bad := errcode.Field(CursorParam, "分頁參數不正確，請重新查詢。")
	if len(c) > base64.RawURLEncoding.EncodedLen(limits.Cursor) {
		return "", bad
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !utf8.Valid(b) || strings.ContainsRune(string(b), 0) {
		return "", bad
	}
	return string(b), nil
}

// Page is a list answer: a page of items and the cursor of the next page
// (NextCursor; absent on the last).
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// NextCursor is the cursor of the page after the one that ended at key
// ("" when there is none): what Cursor reads back.
func NextCursor(key string) string {
	if key == "" {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(key))
}

// checkParams refuses path and query parameters no handler could use: longer
// than limits.ID (path) or limits.Query (query) or holding a control
// character. pattern is the route's ServeMux pattern, so the error names the
// path parameter ({code} → "code").
func checkParams(pattern string, r *http.Request) error {
	_, route, _ := strings.Cut(pattern, " ")
	want := strings.Split(route, "/")
	for i, seg := range strings.Split(r.URL.Path, "/") {
		field := "path"
		if i < len(want) && strings.HasPrefix(want[i], "{") {
			field = strings.Trim(want[i], "{}.")
		}
		if err := limits.CheckText(field, seg, -1, false); err != nil {
			return err
		}
	}
	for k, vs := range r.URL.Query() {
		if err := limits.CheckText("query", k, -1, false); err != nil {
			return err
		}
		max := limits.Query
		if k == CursorParam {
			max = base64.RawURLEncoding.EncodedLen(limits.Cursor)
		}
		for _, v := range vs {
			if err := limits.CheckText(k, v, max, false); err != nil {
				return err
			}
		}
	}
	return nil
}
