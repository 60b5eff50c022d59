package storeerr

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"

	"encore.dev/beta/errs"
	"github.com/jackc/pgx/v5/pgconn"
)

const msgUnavailable = "things are temporarily unavailable, please retry"

func TestInvalidFieldError(t *testing.T) {
	e := APIError(&InvalidFieldError{Field: "timezone", Reason: "unknown time zone"}, msgUnavailable)
	if e.Code != errs.InvalidArgument || e.Code.HTTPStatus() != 400 || e.Code.String() != "invalid_argument" {
		t.Fatalf("code %v (HTTP %d), want invalid_argument (400)", e.Code, e.Code.HTTPStatus())
	}
	if e.Message != "invalid timezone: unknown time zone" {
		t.Fatalf("message = %q", e.Message)
	}
	// Wrapped, it is still recognised.
	if e := APIError(fmt.Errorf("ctx: %w", &InvalidFieldError{Field: "locale", Reason: "x"}), msgUnavailable); e.Code != errs.InvalidArgument || e.Message != "invalid locale: x" {
		t.Fatalf("wrapped invalid field: %v %q", e.Code, e.Message)
	}
}

// A server shutting down or too busy, a conflict between transactions, a
// lost connection or a deadline: 503 with the caller's message.
func TestAPIErrorUnavailable(t *testing.T) {
	for name, err := range map[string]error{
		"admin shutdown":         &pgconn.PgError{Code: "57P01"},
		"wrapped admin shutdown": fmt.Errorf("x: %w", &pgconn.PgError{Code: "57P01"}),
		"query canceled":         &pgconn.PgError{Code: "57014"},
		"too many conns":         &pgconn.PgError{Code: "53300"},
		"connection failure":     &pgconn.PgError{Code: "08006"},
		"serialization":          &pgconn.PgError{Code: "40001"},
		"deadlock":               fmt.Errorf("x: %w", &pgconn.PgError{Code: "40P01"}),
		"lock not available":     &pgconn.PgError{Code: "55P03"},
		"deadline":               context.DeadlineExceeded,
		"canceled":               fmt.Errorf("reading: %w", context.Canceled),
		"bad conn":               driver.ErrBadConn,
		"unexpected EOF":         io.ErrUnexpectedEOF,
		"EOF":                    io.EOF,
	} {
		if !Unavailable(err) {
			t.Errorf("%s (%v): Unavailable = false", name, err)
		}
		e := APIError(err, msgUnavailable)
		if e.Code != errs.Unavailable || e.Code.HTTPStatus() != 503 || e.Message != msgUnavailable {
			t.Errorf("%s (%v): %v %d %q, want unavailable 503 %q", name, err, e.Code, e.Code.HTTPStatus(), e.Message, msgUnavailable)
		}
	}
}

// Anything else: 500 internal, nothing of the cause in the message.
func TestAPIErrorInternal(t *testing.T) {
	if MsgInternal != "an internal error occurred" {
		t.Fatalf("MsgInternal = %q", MsgInternal)
	}
	for name, err := range map[string]error{
		"check violation":  &pgconn.PgError{Code: "23514", Message: "secret detail"},
		"undefined column": &pgconn.PgError{Code: "42703"},
		"lock timeout":     &pgconn.PgError{Code: "55P02"},
		"other":            errors.New("boom"),
	} {
		if Unavailable(err) {
			t.Errorf("%s (%v): Unavailable = true", name, err)
		}
		e := APIError(err, msgUnavailable)
		if e.Code != errs.Internal || e.Code.HTTPStatus() != 500 || e.Message != MsgInternal {
			t.Errorf("%s (%v): %v %d %q, want internal 500 %q", name, err, e.Code, e.Code.HTTPStatus(), e.Message, MsgInternal)
		}
	}
}

func TestLogged(t *testing.T) {
	type entry struct {
		msg string
		kv  []any
	}
	var logged []entry
	old := logError
	t.Cleanup(func() { logError = old })
	logError = func(msg string, kv ...any) { logged = append(logged, entry{msg, kv}) }

	// The client's own mistake: answered, not logged.
	e := Logged("updating things", &InvalidFieldError{Field: "theme", Reason: "x"}, msgUnavailable, "user_id", "user_1")
	if e.Code != errs.InvalidArgument || e.Message != "invalid theme: x" || len(logged) != 0 {
		t.Fatalf("invalid field: %v %q, logged %v", e.Code, e.Message, logged)
	}

	down := fmt.Errorf("reading: %w", &pgconn.PgError{Code: "57P01"})
	boom := errors.New("boom")
	kv := []any{"org_id", "org_1", "user_id", "user_1"}
	if e := Logged("reading things", down, msgUnavailable, kv...); e.Code != errs.Unavailable || e.Message != msgUnavailable {
		t.Fatalf("unavailable: %v %q", e.Code, e.Message)
	}
	if e := Logged("updating things", boom, msgUnavailable, kv...); e.Code != errs.Internal || e.Message != MsgInternal {
		t.Fatalf("internal: %v %q", e.Code, e.Message)
	}
	want := []entry{
		{"reading things failed", []any{"org_id", "org_1", "user_id", "user_1", "code", "unavailable", "err", down}},
		{"updating things failed", []any{"org_id", "org_1", "user_id", "user_1", "code", "internal", "err", boom}},
	}
	if !reflect.DeepEqual(logged, want) {
		t.Fatalf("logged %v, want %v", logged, want)
	}
	// The caller's keys and values are left as they were.
	if !reflect.DeepEqual(kv, []any{"org_id", "org_1", "user_id", "user_1"}) {
		t.Fatalf("caller's keysAndValues changed: %v", kv)
	}
}
