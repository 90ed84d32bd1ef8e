// Package httpapi holds the one encode/decode pair, the one map from error
// codes to HTTP statuses, and the middleware every function's router shares.
package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/ecpa-lifelong/backoffice/shared/errcode"
	"github.com/ecpa-lifelong/backoffice/shared/limits"
)

// MaxBody is the largest JSON body accepted. Files never travel through the API.
const MaxBody = 1 << 20

// statusOf is the only place an error code becomes an HTTP status.
var statusOf = map[errcode.Code]int{
	errcode.Invalid:          http.StatusBadRequest,
	errcode.BadJSON:          http.StatusBadRequest,
	errcode.TooLarge:         http.StatusRequestEntityTooLarge,
	errcode.Unauthenticated:  http.StatusUnauthorized,
	errcode.SessionEnded:     http.StatusUnauthorized,
	errcode.AccountDisabled:  http.StatusForbidden,
	errcode.BadCredentials:   http.StatusUnauthorized,
	errcode.AccountLocked:    http.StatusLocked,
	errcode.WeakPassword:     http.StatusBadRequest,
	errcode.Forbidden:        http.StatusForbidden,
	errcode.AgencyForbidden:  http.StatusForbidden,
	errcode.GrantExceedsOwn:  http.StatusForbidden,
	errcode.NotFound:         http.StatusNotFound,
	errcode.Conflict:         http.StatusConflict,
	errcode.Unavailable:      http.StatusServiceUnavailable,
	errcode.Internal:         http.StatusInternalServerError,
	errcode.MethodNotAllowed: http.StatusMethodNotAllowed,
	errcode.ClassFull:        http.StatusConflict,
	errcode.EnrollClosed:     http.StatusConflict,
	errcode.NotEligible:      http.StatusForbidden,
	errcode.ApprovalFinal:    http.StatusConflict,
	errcode.KeyFixed:         http.StatusConflict,
	errcode.MustChange:       http.StatusForbidden,
}

// StatusOf returns the HTTP status of a code (500 for an unknown one).
func StatusOf(code errcode.Code) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Encode writes v as JSON with status.
func Encode(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		if err := json.NewEncoder(w).Encode(v); err != nil {
			slog.Error("encode response", "err", err)
		}
	}
}

// Decode reads one JSON object into T, refusing unknown fields, trailing data,
// bodies over MaxBody and strings over their limits or with control
// characters (limits.Body). If T has a Valid method, it is called.
func Decode[T any](r *http.Request) (T, error) {
	var v T
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var tooBig *http.MaxBytesError
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return v, errcode.New(errcode.TooLarge, "送出的資料過大。")
		case errors.Is(err, io.EOF):
			return v, errcode.New(errcode.BadJSON, "未送出資料。")
		case errors.As(err, &typeErr):
			return v, &errcode.Error{Code: errcode.BadJSON, Field: typeErr.Field,
				Message: fmt.Sprintf("欄位 %s 的資料型態不正確。", typeErr.Field)}
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return v, errcode.New(errcode.BadJSON, "送出了不認得的欄位："+strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return v, errcode.Wrap(errcode.BadJSON, "送出的資料不是正確的 JSON 格式。", err)
		}
	}
	if dec.More() {
		return v, errcode.New(errcode.BadJSON, "送出的資料含有多餘內容。")
	}
	if err := limits.Body(&v); err != nil {
		return v, err
	}
	if val, ok := any(&v).(interface{ Valid() error }); ok {
		if err := val.Valid(); err != nil {
			return v, err
		}
	}
	return v, nil
}

// Error writes err as {"code","message","field"} with the status of its code.
// Internal causes are logged, never sent.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	e := errcode.As(err)
	status := StatusOf(e.Code)
	if status >= 500 {
		slog.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", clip(r.URL.Path), "code", e.Code, "err", clip(err.Error()))
	} else {
		slog.InfoContext(r.Context(), "request refused", "method", r.Method, "path", clip(r.URL.Path), "code", e.Code, "err", clip(err.Error()))
	}
	Encode(w, status, e)
}

// clip keeps a logged value short: a refused request may carry megabytes.
func clip(s string) string {
	const max = 300
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + fmt.Sprintf("…(%d bytes)", len(s))
}

// HandlerFunc is a handler that returns its error instead of writing it.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

func (f HandlerFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := f(w, r); err != nil {
		Error(w, r, err)
	}
}

// Recover turns a panic into a 500 with the Internal code; the stack goes to the log only.
func Recover(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				slog.ErrorContext(r.Context(), "panic", "value", fmt.Sprint(v), "stack", string(debug.Stack()))
				Error(w, r, errcode.As(fmt.Errorf("panic: %v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// NotFound answers routes no mux knows, in the API's error shape.
func NotFound(w http.ResponseWriter, r *http.Request) {
	Error(w, r, errcode.New(errcode.NotFound, "找不到這個功能："+r.Method+" "+r.URL.Path))
}
