// Package limits is the one list of how long each kind of input may be and
// which characters no input may hold, with the checks that enforce both on
// request bodies, path parameters, query parameters and paging cursors.
// Domain rules (a course name is 100 characters …) stay with their forms;
// these bounds are the floor under all of them, so that nothing an attacker
// or a careless client sends can reach DynamoDB's key and item limits or the
// logs unchecked. Every bound is listed in the README's "API limits".
package limits

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
)

const (
	// ID is the longest id, code or user name, in bytes: in a path, a query
	// parameter or a body field tagged `max:"id"`. Every id the system
	// issues or accepts is far shorter; DynamoDB keys take 1,024–2,048 bytes.
	ID = 128
	// Text is the longest one-line text field without a limit of its own, in
	// characters (a struct field raises it with a `max:"N"` tag).
	Text = 200
	// Query is the longest query parameter value, in characters.
	Query = 200
	// Cursor is the longest paging cursor once decoded, in bytes: a sort key,
	// which DynamoDB caps at 1,024 bytes.
	Cursor = 1024
	// MapKeys is how many keys a JSON object of free keys (grants, params,
	// answers) may hold.
	MapKeys = 100
	// Items is how many entries a JSON array may hold (a class's grades or
	// decisions in one submission are at most its capacity, ≤ 9,999).
	Items = 10000
)

// BadRune reports whether r may not appear in any input, JSON or CSV alike:
// C0 and C1 control characters (NUL, ESC …; tab, CR and LF only where
// multiline allows), DEL, and every character that shows nothing or changes
// how the rest reads: format characters (the bidirectional overrides and
// isolates, zero-width spaces and joiners, LRM/RLM, the BOM, soft hyphen,
// tag characters), the line and paragraph separators U+2028/U+2029, and
// private-use characters, which no font shows the same way.
func BadRune(r rune, multiline bool) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return !multiline
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return true
	case r < 0xa0:
		return false
	}
	return unicode.In(r, unicode.Cf, unicode.Co, unicode.Zl, unicode.Zp)
}

// BadText returns the first rune of s that BadRune refuses (ok: none).
func BadText(s string, multiline bool) (r rune, ok bool) {
	for _, r := range s {
		if BadRune(r, multiline) {
			return r, false
		}
	}
	return 0, true
}

// CheckText checks one text value: at most max characters (max < 0: limits.ID
// bytes), no character BadRune refuses. field names the input in the error.
func CheckText(field, s string, max int, multiline bool) error {
	if max < 0 {
		if len(s) > ID {
			return errcode.Field(field, fmt.Sprintf("欄位 %s 過長（代碼或帳號不可超過 %d 個字元）。", field, ID))
		}
	} else if len(s) > max && utf8.RuneCountInString(s) > max { // len ≥ rune count: skip counting short text
		return errcode.Field(field, fmt.Sprintf("欄位 %s 不可超過 %d 字。", field, max))
	}
	if r, ok := BadText(s, multiline); !ok {
		return errcode.Field(field, fmt.Sprintf("欄位 %s 含有不允許的控制字元或不可見字元（%U）。", field, r))
	}
	return nil
}

// Body checks every string a decoded JSON body holds (struct fields, slice
// elements, map keys and values): each within its field's limit and free of
// refused characters. A struct field's tag `max:"N"` (characters), `max:"id"`
// (limits.ID bytes) or `max:"N,multiline"` overrides limits.Text; map keys are
// ids. Errors name the field as the client sent it: decisions[1].personId.
func Body(v any) error {
	return walk(reflect.ValueOf(v), "", Text, false)
}

func walk(v reflect.Value, path string, max int, multiline bool) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return walk(v.Elem(), path, max, multiline)
	case reflect.String:
		return CheckText(name(path), v.String(), max, multiline)
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		if v.Len() > Items {
			return errcode.Field(name(path), fmt.Sprintf("欄位 %s 不可超過 %d 筆。", name(path), Items))
		}
		for i := 0; i < v.Len(); i++ {
			if err := walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", max, multiline); err != nil {
				return err
			}
		}
	case reflect.Map:
		if v.Len() > MapKeys {
			return errcode.Field(name(path), fmt.Sprintf("欄位 %s 不可超過 %d 項。", name(path), MapKeys))
		}
		it := v.MapRange()
		for it.Next() {
			k := it.Key()
			if k.Kind() == reflect.String {
				if err := CheckText(name(path), k.String(), -1, false); err != nil {
					return err
				}
			}
			if err := walk(it.Value(), path+"."+fmt.Sprint(k.Interface()), max, multiline); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			fpath := path
			if !f.Anonymous {
				tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if tag == "-" {
					continue
				}
				if tag == "" {
					tag = f.Name
				}
				if fpath != "" {
					fpath += "."
				}
				fpath += tag
			}
			fmax, fmulti := Text, false
			if tag, ok := f.Tag.Lookup("max"); ok {
				fmax, fmulti = parseTag(tag)
			}
			if err := walk(v.Field(i), fpath, fmax, fmulti); err != nil {
				return err
			}
		}
	}
	return nil
}

// parseTag reads `max:"N"`, `max:"id"`, `max:"N,multiline"`. A malformed tag is
// a programming error caught by the package's tests of every input type.
func parseTag(tag string) (max int, multiline bool) {
	n, opt, _ := strings.Cut(tag, ",")
	multiline = opt == "multiline"
	if n == "id" {
		return -1, multiline
	}
	max, err := strconv.Atoi(n)
	if err != nil || max <= 0 {
		panic(fmt.Sprintf("limits: bad max tag %q", tag))
	}
	return max, multiline
}

// MaxOf returns the limit a `max` tag gives (for documents generated from
// the input types): characters, or limits.ID for ids, and whether line breaks
// are allowed.
func MaxOf(f reflect.StructField) (max int, multiline bool) {
	tag, ok := f.Tag.Lookup("max")
	if !ok {
		return Text, false
	}
	max, multiline = parseTag(tag)
	if max < 0 {
		max = ID
	}
	return max, multiline
}

func name(path string) string {
	if path == "" {
		return "body"
	}
	return path
}
