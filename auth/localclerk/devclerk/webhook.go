package devclerk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"encore.app/auth/localclerk"
	"encore.app/auth/localclerk/svixsign"
)

// eventRequest is the body of POST /dev/clerk/webhook: the event type and
// what it names.
type eventRequest struct {
	Type      string `json:"type"`
	UserID    string `json:"userId"`
	Email     string `json:"email"`
	SessionID string `json:"sessionId"`
	OrgID     string `json:"orgId"`
	Role      string `json:"role"`
}

// eventTypes are the events POST /dev/clerk/webhook sends.
var eventTypes = []string{
	"user.created", "user.updated", "user.deleted",
	"session.ended", "session.removed", "session.revoked",
	"organizationMembership.created", "organizationMembership.updated", "organizationMembership.deleted",
}

// webhook makes the change in the local Clerk, as Clerk's dashboard or
// Backend API would, then delivers Clerk's event to the app's webhook
// endpoint, signed as Svix signs it. It answers 200 with the app's answer,
// or 502 when the app did not accept the delivery (the change stays made:
// Clerk's does too).
func (s *Server) webhook(w http.ResponseWriter, r *http.Request) {
	var req eventRequest
	if !decode(w, r, &req) {
		return
	}
	now := time.Now()
	body, err := s.change(req, now)
	if err != nil {
		failClerk(w, err)
		return
	}
	delivery, err := s.deliver(r, body)
	if err != nil {
		fail(w, http.StatusBadGateway, "unavailable", "the local Clerk made the change, but could not deliver the webhook to "+s.cfg.WebhookURL+": "+err.Error())
		return
	}
	if strings.HasPrefix(req.Type, "organizationMembership.") {
		// The app refuses the member's tokens issued in the second of the
		// change, as iat is in whole seconds (clerkusers.Revocations): once
		// that second is over, the next token minted is accepted.
		select {
		case <-time.After(time.Until(now.Truncate(time.Second).Add(time.Second))):
		case <-r.Context().Done():
		}
	}
	delivery["type"] = req.Type
	status := http.StatusOK
	if code, _ := delivery["status"].(int); code < 200 || code > 299 {
		status = http.StatusBadGateway
	}
	localclerk.WriteJSON(w, status, delivery)
}

// change applies the event to the local Clerk and returns its body.
func (s *Server) change(req eventRequest, now time.Time) ([]byte, error) {
	c := s.clerk
	switch req.Type {
	case "user.created", "user.updated":
		u, exists := c.User(req.UserID)
		switch {
		case req.Type == "user.created" && exists:
			return nil, fmt.Errorf("user %s exists: send user.updated", localclerk.Quote(req.UserID))
		case req.Type == "user.updated" && !exists:
			return nil, fmt.Errorf("user %s does not exist: send user.created", localclerk.Quote(req.UserID))
		case req.Email == "" && !exists:
			return nil, fmt.Errorf("a new user needs an email")
		case !exists:
			if err := checkID("userId", "user_", req.UserID); err != nil {
				return nil, err
			}
		}
		u.ID = req.UserID
		if req.Email != "" {
			u.Emails, u.Primary = []string{req.Email}, 0
		}
		c.SetUser(u)
		return localclerk.UserEventBody(req.Type, u, now), nil
	case "user.deleted":
		if !c.DeleteUser(req.UserID) {
			return nil, fmt.Errorf("user %s does not exist", localclerk.Quote(req.UserID))
		}
		return localclerk.UserDeletedBody(req.UserID, now), nil
	case "session.ended", "session.removed", "session.revoked":
		userID, err := c.EndSession(req.SessionID)
		if err != nil {
			return nil, err
		}
		return localclerk.SessionEventBody(req.Type, req.SessionID, userID), nil
	case "organizationMembership.created", "organizationMembership.updated":
		_, exists := c.Membership(req.OrgID, req.UserID)
		switch {
		case req.Type == "organizationMembership.created" && exists:
			return nil, fmt.Errorf("user %s is a member of %s: send organizationMembership.updated", localclerk.Quote(req.UserID), localclerk.Quote(req.OrgID))
		case req.Type == "organizationMembership.updated" && !exists:
			return nil, fmt.Errorf("user %s is not a member of %s: send organizationMembership.created", localclerk.Quote(req.UserID), localclerk.Quote(req.OrgID))
		}
		m := localclerk.Membership{OrgID: req.OrgID, UserID: req.UserID, Role: req.Role}
		if err := c.SetMembership(m); err != nil {
			return nil, err
		}
		return c.MembershipEventBody(req.Type, m, now), nil
	case "organizationMembership.deleted":
		m, err := c.DeleteMembership(req.OrgID, req.UserID)
		if err != nil {
			return nil, err
		}
		return c.MembershipEventBody(req.Type, m, now), nil
	}
	return nil, fmt.Errorf("type %s is not one of %s", localclerk.Quote(req.Type), strings.Join(eventTypes, ", "))
}

// maxAnswer bounds how much of the app's answer is read.
const maxAnswer = 64 << 10

// deliver posts body to the app's webhook endpoint, signed with the
// WebhookSecret the app verifies with, and returns the svix-id, status and
// answer.
func (s *Server) deliver(r *http.Request, body []byte) (map[string]any, error) {
	req, err := svixsign.Webhook{Secrets: []string{s.WebhookSecret}}.Request(s.cfg.WebhookURL, body)
	if err != nil {
		return nil, err
	}
	res, err := s.client.Do(req.WithContext(r.Context()))
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return nil, err
	}
	var answer any = string(bytes.TrimSpace(raw))
	if json.Valid(raw) {
		answer = json.RawMessage(raw)
	}
	return map[string]any{"svixId": req.Header.Get("svix-id"), "status": res.StatusCode, "answer": answer}, nil
}
