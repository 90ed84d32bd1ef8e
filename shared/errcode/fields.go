package errcode

import "fmt"

// FieldError is one field's error in a form checked as a whole.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Fields collects the field errors of a form so that all of them are
// reported at once. Add records an error (a coded Invalid error with a
// field); Err answers nil, the one error, or an Invalid error listing all.
type Fields struct{ list []*Error }

// Add records err and reports whether it was nil (so a check can go on
// with the value it produced). An error that is not a field error is kept
// and returned by Err alone, as before.
func (f *Fields) Add(err error) bool {
	if err == nil {
		return true
	}
	f.list = append(f.list, As(err))
	return false
}

// Err is nil when nothing was added, the error itself when one was, and an
// Invalid error naming every field otherwise.
func (f *Fields) Err() error {
	switch {
	case len(f.list) == 0:
		return nil
	case len(f.list) == 1:
		return f.list[0]
	}
	for _, e := range f.list {
		if e.Code != Invalid || e.Field == "" {
			return e // not a field error: report it as it is
		}
	}
	out := &Error{Code: Invalid, Field: f.list[0].Field,
		Message: fmt.Sprintf("有 %d 個欄位需要修正：%s", len(f.list), f.list[0].Message)}
	for _, e := range f.list {
		out.Fields = append(out.Fields, FieldError{Field: e.Field, Message: e.Message})
	}
	return out
}
