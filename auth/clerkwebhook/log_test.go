package clerkwebhook_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerktest"
	"encore.app/auth/clerkwebhook"
	"encore.app/internal/loglimit"
	"encore.app/internal/pgtest"
)

// Deliveries refused before their signature is checked, which anyone can
// send, write at most 10 lines a minute for each reason, then one line
// counting the rest; one reason's flood leaves the others' lines alone,
// and the lines of signed deliveries are never limited.
func TestRefusedDeliveriesLogBoundedLines(t *testing.T) {
	clock := clerktest.NewClock()
	store := clerkmirror.NewStore(pgtest.Open(t, migrations))
	log := &logger{}
	h := clerkwebhook.NewHandler(clerkwebhook.Config{Secret: clerktest.WebhookSecret, Store: store, Publisher: &publisher{}, OrgPublisher: &orgPublisher{}, Log: log, Now: clock.Now})
	unconfigured := clerkwebhook.NewHandler(clerkwebhook.Config{Store: store, Publisher: &publisher{}, OrgPublisher: &orgPublisher{}, Log: log, Now: clock.Now})

	body := clerktest.SessionEventBody("session.revoked", "sess_1", "user_1")
	signed, err := clerktest.Webhook{}.Headers(body)
	if err != nil {
		t.Fatal(err)
	}
	post := func(h http.Handler, header http.Header, body []byte, readErr bool) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/clerk", bytes.NewReader(body))
		if readErr {
			req.Body = io.NopCloser(iotest.ErrReader(errors.New("connection reset")))
		}
		for k, v := range header {
			req.Header[k] = v
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	badSignature := signed.Clone()
	badSignature.Set("svix-signature", "v1,"+strings.Repeat("A", 44))
	floods := []struct {
		line string
		send func() int
		want int
	}{
		{"INFO clerk webhook: refused unsigned delivery", func() int { return post(h, nil, body, false) }, 401},
		{"INFO clerk webhook: refused bad signature", func() int { return post(h, badSignature, body, false) }, 401},
		{"INFO clerk webhook: refused oversized delivery", func() int { return post(h, signed, make([]byte, clerkwebhook.MaxBodyBytes+1), false) }, 413},
		{"INFO clerk webhook: could not read body", func() int { return post(h, signed, nil, true) }, 400},
		{"ERROR clerk webhook: not configured", func() int { return post(unconfigured, signed, body, false) }, 503},
	}
	for _, f := range floods {
		for range 100 {
			if status := f.send(); status != f.want {
				t.Fatalf("%s: answered %d, want %d", f.line, status, f.want)
			}
		}
	}
	for i := range 12 {
		res, err := clerktest.Webhook{}.Serve(h, clerktest.SessionEventBody("session.revoked", fmt.Sprint("sess_", i), "user_1"))
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("a signed delivery: %v, %v", res, err)
		}
	}
	text := log.text()
	for _, f := range floods {
		if n := strings.Count(text, f.line); n != 10 {
			t.Errorf("%d lines %q for 100 deliveries, want 10", n, f.line)
		}
	}
	if n := strings.Count(text, "INFO clerk webhook: processed"); n != 12 {
		t.Errorf("%d lines of processed deliveries, want 12", n)
	}

	clock.Advance(time.Minute)
	floods[0].send()
	text = log.text()
	if n := strings.Count(text, "INFO "+loglimit.SummaryMessage+` ["message" "clerk webhook: refused unsigned delivery" "suppressed"`); n != 1 {
		t.Fatalf("no summary of the unsigned deliveries left out:\n%s", text[max(0, len(text)-600):])
	}
	if n := strings.Count(text, loglimit.SummaryMessage); n != 1 {
		t.Fatalf("%d summaries after one more unsigned delivery, want 1", n)
	}
}
