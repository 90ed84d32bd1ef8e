package httpapi

import (
	"net/http"
	"strconv"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

// Slice answers one page of a list the handler already holds in full (a
// short list, such as an agency's users or the announcements): `next` is the
// offset of the page, opaque to clients, "" when no page follows.
func Slice[T any](r *http.Request, all []T, size int) (page []T, next string, err error) {
	from := 0
	if v := r.URL.Query().Get("next"); v != "" {
		if from, err = strconv.Atoi(v); err != nil || from < 0 {
			return nil, "", errcode.Field("next", "分頁參數不正確。")
		}
	}
	if from > len(all) {
		from = len(all)
	}
	to := min(from+size, len(all))
	if to < len(all) {
		next = strconv.Itoa(to)
	}
	page = all[from:to]
	if page == nil {
		page = []T{}
	}
	return page, next, nil
}
