// Package errcode holds the error type every package returns to officers: a
// stable machine code plus a zh-TW message. The HTTP status for each code is
// decided in one place (httpapi.statusOf), never at the call site.
package errcode

import (
	"errors"
	"fmt"
)

// Code is a stable machine-readable error code. Clients and tests match on it.
type Code string

const (
	Invalid          Code = "invalid_input"            // a field is missing or malformed
	BadJSON          Code = "bad_json"                 // the body is not the JSON we expect
	TooLarge         Code = "too_large"                // the body is over the limit
	Unauthenticated  Code = "unauthenticated"          // no token, or a token we cannot verify
	SessionEnded     Code = "session_ended"            // the token was signed out
	AccountDisabled  Code = "account_disabled"         // the user was disabled by an admin
	BadCredentials   Code = "bad_credentials"          // wrong user name or password
	AccountLocked    Code = "account_locked"           // too many failed sign-ins
	WeakPassword     Code = "weak_password"            // the new password breaks the rule
	Forbidden        Code = "forbidden"                // the function is not granted
	AgencyForbidden  Code = "agency_forbidden"         // the agency is outside the caller's scope
	GrantExceedsOwn  Code = "grant_exceeds_own"        // granting a function the grantor lacks
	NotFound         Code = "not_found"                // no such item (in the caller's scope)
	Conflict         Code = "conflict"                 // the item already exists or changed meanwhile
	Unavailable      Code = "unavailable"              // a dependency is down
	Internal         Code = "internal"                 // a bug; details only in the log
	MethodNotAllowed Code = "method_not_allowed"       // route exists, method does not
	ClassFull        Code = "class_full"               // no seat left and the class stops when full
	EnrollClosed     Code = "enrollment_closed"        // outside the window, or no online enrollment
	NotEligible      Code = "not_eligible"             // the class admits other agencies only
	ApprovalFinal    Code = "approval_final"           // an approved enrollment cannot be rejected or withdrawn
	KeyFixed         Code = "natural_key_fixed"        // a record's natural key cannot change (delete and add instead)
	MustChange       Code = "password_change_required" // a reset password must be changed before anything else
)

// All lists every code, so a test can check each has an HTTP status.
func All() []Code {
	return []Code{Invalid, BadJSON, TooLarge, Unauthenticated, SessionEnded, AccountDisabled,
		BadCredentials, AccountLocked, WeakPassword, Forbidden, AgencyForbidden, GrantExceedsOwn,
		NotFound, Conflict, Unavailable, Internal, MethodNotAllowed, ClassFull, EnrollClosed, NotEligible, ApprovalFinal, KeyFixed, MustChange}
}

// Error is an error an officer can read and a program can match.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`         // zh-TW, shown as is
	Field   string `json:"field,omitempty"` // the input field at fault, if any
	// Fields lists every field at fault when a form is checked as a whole
	// (Field and Message are then the first of them).
	Fields []FieldError `json:"fields,omitempty"`
	Err    error        `json:"-"` // the cause, logged but never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a zh-TW message.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Field returns an Invalid error naming the field at fault.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: message, Field: field}
}

// Wrap keeps err as the cause of a coded error.
func Wrap(code Code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// As returns the coded error inside err, or an Internal one.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Message: "系統發生錯誤，請稍後再試；若持續發生請聯絡系統管理者。", Err: err}
}

// Is reports whether err carries code.
func Is(err error, code Code) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
