// Package clerkwebhook receives Clerk's webhooks: it verifies Svix's
// signature, decodes Clerk's user, session, organization and membership
// events, records them in the auth service's store and publishes user and
// organization events, answering Svix so that it retries exactly what was
// not processed.
package clerkwebhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"encore.app/auth/clerkmirror"
	"encore.app/auth/internal/logtext"
	"encore.app/internal/authmetrics"
	"encore.app/internal/clerkevents"
)

// SecretName is the Encore secret holding the endpoint's signing secret.
const SecretName = "ClerkWebhookSecret"

// Store records deliveries and applies their changes; *clerkmirror.Store is one.
type Store interface {
	Apply(ctx context.Context, d clerkmirror.Delivery, beforeCommit func(context.Context) error) (clerkmirror.Outcome, error)
}

// Publisher publishes the user events applied; the auth service's
// clerk-user-events topic is one.
type Publisher interface {
	Publish(ctx context.Context, e *clerkevents.UserEvent) (string, error)
}

// OrgPublisher publishes the organization and membership events applied;
// the auth service's clerk-org-events topic is one.
type OrgPublisher interface {
	Publish(ctx context.Context, e *clerkevents.OrgEvent) (string, error)
}

// Config is what a Handler needs.
type Config struct {
	// Secret is the endpoint's Signing Secret (whsec_…). When it is empty or
	// malformed the handler answers 503, so Svix keeps the deliveries until
	// it is fixed, rather than the whole service failing to start.
	Secret string
	// Store, Publisher and OrgPublisher are required.
	Store        Store
	Publisher    Publisher
	OrgPublisher OrgPublisher
	// Log receives one line per delivery; nil logs nothing.
	Log Logger
	// Metrics counts the deliveries by event type and answer; nil counts
	// nothing.
	Metrics authmetrics.Recorder
	// Now is the time of a delivery: it dates a user.deleted without a
	// timestamp and bounds how far ahead updated_at may be; nil means
	// time.Now. Svix's signature tolerance always uses the real clock.
	Now func() time.Time
}

// Handler is the http.Handler of the webhook endpoint. Its status tells Svix
// and whoever reads its delivery log what happened: 200 means processed
// (Svix stops), 503 means nothing was kept and a retry will succeed once the
// cause is gone, 4xx means the body is not a Clerk event we can read. Svix
// retries every non-2xx on its schedule, so a 4xx caused by a bug here is
// still applied once the fix is deployed, if that happens within the schedule.
//
// A readable event that can never be applied (a value the database refuses,
// an updated_at far in the future) is answered 200 with the code
// "unappliable" and recorded with its reason: each of Svix's retries, for
// about 27 hours, would fail the same way. Resending it from Clerk's
// dashboard processes it again.
type Handler struct {
	verifier *svix.Webhook
	// secretProblem explains a missing or malformed secret; "" when verifier is set.
	secretProblem string
	store         Store
	publisher     Publisher
	orgPublisher  OrgPublisher
	log           Logger
	metrics       authmetrics.Recorder
	now           func() time.Time
}

// NewHandler builds a Handler. It panics without a Store or a publisher,
// which is a wiring mistake rather than a runtime condition.
func NewHandler(cfg Config) *Handler {
	if cfg.Store == nil || cfg.Publisher == nil || cfg.OrgPublisher == nil {
		panic("clerkwebhook: NewHandler needs a Store, a Publisher and an OrgPublisher")
	}
	h := &Handler{
		store: cfg.Store, publisher: cfg.Publisher, orgPublisher: cfg.OrgPublisher,
		log: cfg.Log, metrics: authmetrics.Or(cfg.Metrics), now: cfg.Now,
	}
	if h.log == nil {
		h.log = nopLogger{}
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.log = limitRefusals(h.log, h.now)
	howToSet := "; set it to the endpoint's Signing Secret from the Clerk dashboard (Webhooks) with: encore secret set --type dev,local " + SecretName
	if cfg.Secret == "" {
		h.secretProblem = "the secret " + SecretName + " is not set" + howToSet
	} else if wh, err := newVerifier(cfg.Secret); err != nil {
		h.secretProblem = "the secret " + SecretName + " is unusable: " + err.Error() + howToSet
	} else {
		h.verifier = wh
	}
	return h
}

// publishError marks a failed publish inside Apply, which is answered like
// an unavailable store: the transaction rolled back and Svix will retry.
type publishError struct{ err error }

func (e *publishError) Error() string { return "publishing event: " + e.err.Error() }
func (e *publishError) Unwrap() error { return e.err }

// ServeHTTP processes one delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.answer(w, "", http.StatusMethodNotAllowed, "method_not_allowed", "webhooks are delivered with POST")
		return
	}
	if h.verifier == nil {
		h.log.Error("clerk webhook: not configured", "reason", h.secretProblem)
		h.answer(w, "", http.StatusServiceUnavailable, "unavailable", h.secretProblem)
		return
	}
	id, signed := signedID(r)
	if !signed {
		h.log.Info("clerk webhook: refused unsigned delivery", "svix_id", logtext.Clean(id))
		h.answer(w, "", http.StatusUnauthorized, "unauthenticated", "missing svix-id, svix-timestamp or svix-signature header")
		return
	}
	body, err := readBody(w, r)
	if errors.Is(err, errTooLarge) {
		h.log.Info("clerk webhook: refused oversized delivery", "svix_id", logtext.Clean(id))
		h.answer(w, "", http.StatusRequestEntityTooLarge, "payload_too_large", "body larger than 1 MiB")
		return
	}
	if err != nil {
		h.log.Info("clerk webhook: could not read body", "svix_id", logtext.Clean(id))
		h.answer(w, "", http.StatusBadRequest, "invalid_argument", "could not read the body")
		return
	}
	if err := h.verifier.Verify(body, r.Header); err != nil {
		// svix's errors are fixed strings, safe to log.
		h.log.Info("clerk webhook: refused bad signature", "svix_id", logtext.Clean(id), "reason", err.Error())
		h.answer(w, "", http.StatusUnauthorized, "unauthenticated", "invalid signature, or timestamp outside the tolerance")
		return
	}
	if !validID(id) {
		h.log.Error("clerk webhook: refused signed delivery", "svix_id", logtext.Clean(id), "reason", "svix-id is not a plain ID")
		h.answer(w, "", http.StatusBadRequest, "invalid_argument", "svix-id is not a plain ID")
		return
	}
	ev, err := decode(body, h.now())
	if err != nil {
		// A signed body we cannot use is Clerk's doing, not an attack: worth an error.
		h.log.Error("clerk webhook: refused signed delivery", "svix_id", id, "reason", err.Error())
		h.answer(w, "", http.StatusBadRequest, "invalid_argument", err.Error())
		return
	}
	h.apply(r.Context(), w, id, ev)
}

// apply stores the event and publishes its user or organization event in
// the same transaction, so that a delivery is either fully processed or
// retried.
func (h *Handler) apply(ctx context.Context, w http.ResponseWriter, id string, ev event) {
	logKV := []any{"type", ev.Type, "svix_id", id}
	if c := ev.Change; c != nil {
		for _, kv := range [...]struct{ key, id string }{
			{"user_id", c.UserID}, {"session_id", c.SessionID}, {"org_id", c.OrgID},
		} {
			if kv.id != "" {
				logKV = append(logKV, kv.key, kv.id)
			}
		}
	}
	d := clerkmirror.Delivery{ID: id, EventType: ev.Type, Change: ev.Change}
	if ev.Unappliable != "" {
		h.recordUnappliable(ctx, w, d, ev.Unappliable, logKV)
		return
	}
	var beforeCommit func(context.Context) error
	if ev.Publish != nil || ev.PublishOrg != nil {
		beforeCommit = func(ctx context.Context) error {
			var err error
			if ev.Publish != nil {
				_, err = h.publisher.Publish(ctx, ev.Publish)
			} else {
				_, err = h.orgPublisher.Publish(ctx, ev.PublishOrg)
			}
			if err != nil {
				return &publishError{err}
			}
			return nil
		}
	}
	outcome, err := h.store.Apply(ctx, d, beforeCommit)
	if err != nil {
		var pubErr *publishError
		if errors.As(err, &pubErr) {
			h.log.Error("clerk webhook: publish failed, rolled back for Svix to retry", append(logKV, "error", err.Error())...)
			h.answer(w, ev.Type, http.StatusServiceUnavailable, "unavailable", "could not publish the event; retry later")
			return
		}
		if reason, refused := clerkmirror.Refusal(err); refused {
			h.recordUnappliable(ctx, w, d, reason, logKV)
			return
		}
		h.storeUnavailable(w, ev.Type, err, logKV)
		return
	}
	h.log.Info("clerk webhook: processed", append(logKV, "outcome", string(outcome))...)
	h.answer(w, ev.Type, http.StatusOK, string(outcome), outcomeMessages[outcome])
}

// recordUnappliable records a delivery that can never be applied, in a
// transaction of its own (the one that failed is rolled back), so that it
// is answered 200 and Svix stops retrying it.
func (h *Handler) recordUnappliable(ctx context.Context, w http.ResponseWriter, d clerkmirror.Delivery, reason string, logKV []any) {
	d.Change, d.Failure = nil, reason
	outcome, err := h.store.Apply(ctx, d, nil)
	if err != nil {
		h.storeUnavailable(w, d.EventType, err, logKV)
		return
	}
	if outcome != clerkmirror.Unappliable { // applied meanwhile, by a fixed instance
		h.log.Info("clerk webhook: processed", append(logKV, "outcome", string(outcome))...)
		h.answer(w, d.EventType, http.StatusOK, string(outcome), outcomeMessages[outcome])
		return
	}
	h.log.Error("clerk webhook: recorded a delivery that can never be applied; Svix will not retry it",
		append(logKV, "outcome", string(outcome), "reason", reason)...)
	h.answer(w, d.EventType, http.StatusOK, string(outcome), outcomeMessages[outcome]+": "+reason)
}

// storeUnavailable answers a delivery the store could not process for now.
func (h *Handler) storeUnavailable(w http.ResponseWriter, eventType string, err error, logKV []any) {
	h.log.Error("clerk webhook: store unavailable, Svix will retry", append(logKV, "error", err.Error())...)
	h.answer(w, eventType, http.StatusServiceUnavailable, "unavailable", "could not store the event; retry later")
}

// outcomeMessages explain a 200 in the delivery log of Clerk's dashboard.
var outcomeMessages = map[clerkmirror.Outcome]string{
	clerkmirror.Applied:     "event applied",
	clerkmirror.Duplicate:   "delivery already processed",
	clerkmirror.Outdated:    "nothing to change: a newer version is stored, or it was already applied",
	clerkmirror.Ignored:     "event type not handled; nothing to do",
	clerkmirror.Unappliable: "recorded as never applicable, not retried",
}

// outcomeLabels name a 200 in the metrics.
var outcomeLabels = map[clerkmirror.Outcome]authmetrics.WebhookOutcome{
	clerkmirror.Applied:     authmetrics.DeliveryApplied,
	clerkmirror.Duplicate:   authmetrics.DeliveryDuplicate,
	clerkmirror.Outdated:    authmetrics.DeliveryOutdated,
	clerkmirror.Ignored:     authmetrics.DeliveryIgnored,
	clerkmirror.Unappliable: authmetrics.DeliveryUnappliable,
}

// eventLabels name the event types the handler reads in the metrics;
// any other is EventOther, and "" (a delivery answered before its type
// was read) EventUnknown. A fixed map, never the type's own text: a label
// takes one of a few values, whatever a body says.
var eventLabels = map[string]authmetrics.WebhookEvent{
	"":                              authmetrics.EventUnknown,
	clerkevents.UserCreated:         authmetrics.EventUserCreated,
	clerkevents.UserUpdated:         authmetrics.EventUserUpdated,
	clerkevents.UserDeleted:         authmetrics.EventUserDeleted,
	SessionEnded:                    authmetrics.EventSessionEnded,
	SessionRemoved:                  authmetrics.EventSessionRemoved,
	SessionRevoked:                  authmetrics.EventSessionRevoked,
	clerkevents.OrganizationCreated: authmetrics.EventOrganizationCreated,
	clerkevents.OrganizationUpdated: authmetrics.EventOrganizationUpdated,
	clerkevents.OrganizationDeleted: authmetrics.EventOrganizationDeleted,
	clerkevents.MembershipCreated:   authmetrics.EventMembershipCreated,
	clerkevents.MembershipUpdated:   authmetrics.EventMembershipUpdated,
	clerkevents.MembershipDeleted:   authmetrics.EventMembershipDeleted,
}

// answer writes the JSON body Svix stores with each attempt, and counts
// the delivery by its event type ("" when not read) and answer: a 200 by
// its outcome, a 503 as unavailable, anything else as refused.
func (h *Handler) answer(w http.ResponseWriter, eventType string, status int, code, message string) {
	event, known := eventLabels[eventType]
	if !known {
		event = authmetrics.EventOther
	}
	outcome := authmetrics.DeliveryRefused
	switch status {
	case http.StatusOK:
		outcome = outcomeLabels[clerkmirror.Outcome(code)]
	case http.StatusServiceUnavailable:
		outcome = authmetrics.DeliveryUnavailable
	}
	h.metrics.WebhookDelivery(event, outcome)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}{code, message})
}
