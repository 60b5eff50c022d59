package localclerk

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// APIKey is an API key for CreateAPIKey.
type APIKey struct {
	// Subject owns the key: a user (user_…) or an organization (org_…).
	Subject string
	Name    string
	Scopes  []string
	// Expiration is when the key expires; zero means never.
	Expiration time.Time
}

// M2MToken is an opaque machine-to-machine token for CreateM2MToken.
type M2MToken struct {
	// MachineID is the machine the token authenticates (mch_…).
	MachineID string
	// MayCall are the machines it may call: Clerk's scopes of the token,
	// and the only machines whose secret key can verify it.
	MayCall []string
	// Expiration is when the token expires; zero means never.
	Expiration time.Time
}

// OAuthToken is an OAuth access token for CreateOAuthToken.
type OAuthToken struct {
	// UserID is the user who granted the access (user_…).
	UserID string
	// ClientID is the OAuth application the token was issued to.
	ClientID string
	Scopes   []string
	// Expiration is when the token expires; zero means never.
	Expiration time.Time
}

// Issued is a created machine token: Secret is what its bearer sends, ID
// is how Clerk's answers, RevokeToken and ExpireToken name it.
type Issued struct {
	Secret string
	ID     string
}

// opaqueToken is a machine token the Clerk verifies.
type opaqueToken struct {
	endpoint   Endpoint
	id         string
	subject    string
	name       string
	clientID   string
	scopes     []string
	expiration time.Time
	revoked    bool
	created    time.Time
}

// machineTokens is what the Clerk knows of machine authentication,
// guarded by Clerk.mu.
type machineTokens struct {
	bySecret map[string]*opaqueToken
	byID     map[string]*opaqueToken
	// machineKeys maps a machine secret key to its machine.
	machineKeys map[string]string
}

// AddMachine registers a machine and returns its machine secret key (ak_…),
// with which M2M tokens are verified in its name: only tokens of machines
// that may call it.
func (c *Clerk) AddMachine(machineID string) string {
	key := "ak_" + base64.StdEncoding.EncodeToString(randomBytes(32))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.machine.machineKeys[key] = machineID
	return key
}

// CreateAPIKey creates an API key. Its secret is ak_ and 44 base64
// characters, like the API keys of Clerk's own tests.
func (c *Clerk) CreateAPIKey(k APIKey) Issued {
	return c.issue("ak_"+base64.StdEncoding.EncodeToString(randomBytes(32)), &opaqueToken{
		endpoint: APIKeys, id: "ak_" + hex.EncodeToString(randomBytes(16)),
		subject: k.Subject, name: k.Name, scopes: slices.Clone(k.Scopes), expiration: k.Expiration,
	})
}

// CreateM2MToken creates an opaque M2M token. Its secret is mt_ and 32
// upper-case letters and digits, as Clerk's are.
func (c *Clerk) CreateM2MToken(t M2MToken) Issued {
	return c.issue("mt_"+randomAlphanumeric(32, upperAlphanumeric), &opaqueToken{
		endpoint: M2MTokens, id: "mt_" + hex.EncodeToString(randomBytes(16)),
		subject: t.MachineID, scopes: slices.Clone(t.MayCall), expiration: t.Expiration,
	})
}

// CreateOAuthToken creates an opaque OAuth access token. Its secret is oat_
// and 32 letters and digits.
func (c *Clerk) CreateOAuthToken(t OAuthToken) Issued {
	return c.issue("oat_"+randomAlphanumeric(32, alphanumeric), &opaqueToken{
		endpoint: OAuthTokens, id: "oat_" + hex.EncodeToString(randomBytes(16)),
		subject: t.UserID, clientID: t.ClientID, scopes: slices.Clone(t.Scopes), expiration: t.Expiration,
	})
}

func (c *Clerk) issue(secret string, t *opaqueToken) Issued {
	t.created = time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.machine.bySecret[secret] = t
	c.machine.byID[t.id] = t
	return Issued{Secret: secret, ID: t.id}
}

// RevokeToken revokes the machine token with this ID: Clerk then answers
// that it is revoked.
func (c *Clerk) RevokeToken(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.machine.byID[id]; t != nil {
		t.revoked = true
	}
}

// ExpireToken makes the machine token with this ID expire now.
func (c *Clerk) ExpireToken(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t := c.machine.byID[id]; t != nil {
		t.expiration = time.Now()
	}
}

// verifyOpaque answers a verification whose body names the token in field.
// A token that is unknown, of another kind, or (for a machine secret key) of
// a machine that may not call the key's machine answers 404.
func (c *Clerk) verifyOpaque(e Endpoint, field string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body) // a bad body names no token
		secret, _ := body[field].(string)
		if secret == "" {
			WriteError(w, http.StatusUnprocessableEntity, "form_param_missing", field+" must be included")
			return
		}
		key := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		c.mu.Lock()
		var resource map[string]any
		t := c.machine.bySecret[secret]
		caller, isMachine := c.machine.machineKeys[key]
		if t != nil && t.endpoint == e && (!isMachine || slices.Contains(t.scopes, caller)) {
			resource = t.resource(time.Now())
		}
		c.mu.Unlock()
		if resource == nil {
			WriteError(w, http.StatusNotFound, "resource_not_found", "not found")
			return
		}
		WriteJSON(w, http.StatusOK, resource)
	}
}

// resource is the token in the JSON shape of Clerk's verify answers: the Go
// SDK's clerk.APIKey and clerk.M2MToken, the JS SDK's IdPOAuthAccessToken.
// Revoked and expired tokens are answered with 200 and the flags set, as
// Clerk's Backend API reference describes.
func (t *opaqueToken) resource(now time.Time) map[string]any {
	scopes := t.scopes
	if scopes == nil {
		scopes = []string{}
	}
	var expiration any
	if !t.expiration.IsZero() {
		expiration = t.expiration.UnixMilli()
	}
	var reason any
	if t.revoked {
		reason = "revoked in localclerk"
	}
	created := t.created.UnixMilli()
	common := map[string]any{
		"id":                t.id,
		"subject":           t.subject,
		"scopes":            scopes,
		"revoked":           t.revoked,
		"revocation_reason": reason,
		"expired":           !t.expiration.IsZero() && !now.Before(t.expiration),
		"expiration":        expiration,
		"created_at":        created,
		"updated_at":        created,
	}
	switch t.endpoint {
	case APIKeys:
		common["object"] = "api_key"
		common["type"] = "api_key"
		common["name"] = t.name
		common["description"] = nil
		common["claims"] = nil
		common["created_by"] = nil
		common["last_used_at"] = nil
	case M2MTokens:
		common["object"] = "machine_to_machine_token"
		common["claims"] = nil
		common["last_used_at"] = nil
	case OAuthTokens:
		common["object"] = "clerk_idp_oauth_access_token"
		common["client_id"] = t.clientID
	}
	return common
}
