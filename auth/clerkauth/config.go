package clerkauth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/clerk/clerk-sdk-go/v2"
)

// Config configures an Authenticator. Zero values take the defaults below.
type Config struct {
	// SecretKey is the Clerk secret key (sk_...). Required: it authorizes
	// the Backend API calls for JWKS and users.
	SecretKey string
	// APIURL is the Backend API base including the version.
	// Default https://api.clerk.com/v1.
	APIURL string
	// AuthorizedParties are the origins a token's azp may name. A token
	// without azp is accepted; an empty list turns the check off.
	AuthorizedParties []string
	// Issuer, when set, is the exact iss every token must carry: your Frontend
	// API URL, such as https://clerk.example.com. Empty keeps the SDK's check
	// that iss is a Clerk URL, made stricter by requiring https.
	Issuer string
	// JWTKey, when set, is the PEM public key from the Clerk dashboard. Tokens
	// are then verified without fetching the JWKS.
	JWTKey string
	// Leeway is the clock skew allowed on exp, nbf and iat. Default 5s.
	Leeway time.Duration
	// UserCacheTTL is how long a user's email is served from memory before
	// Clerk is asked again. Default 5m.
	UserCacheTTL time.Duration
	// UserCacheSize bounds the users kept in memory. Default 10,000.
	UserCacheSize int
	// TokenCacheSize bounds the verified tokens kept in memory. Default 10,000.
	TokenCacheSize int
	// MaxStale is how long past UserCacheTTL a user's email is still served
	// while Clerk is unavailable. Default 1h.
	MaxStale time.Duration
	// ClerkTimeout is the deadline of every call to Clerk. Default 5s.
	ClerkTimeout time.Duration
	// KeyRefreshInterval is the least time between two JWKS fetches, however
	// many unknown kids arrive. Default 1s.
	KeyRefreshInterval time.Duration
	// HTTPClient makes the calls to Clerk. Default http.DefaultClient's settings.
	HTTPClient *http.Client
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// withDefaults validates c and returns a copy with every default filled in.
func (c Config) withDefaults() (*Config, error) {
	if c.SecretKey == "" {
		return nil, errors.New("clerkauth: the Clerk secret key is empty")
	}
	if c.APIURL == "" {
		c.APIURL = clerk.APIURL
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("clerkauth: APIURL %q is not an http(s) URL", c.APIURL)
	}
	parties := make([]string, len(c.AuthorizedParties))
	for i, party := range c.AuthorizedParties {
		// azp is an origin; a trailing slash is the usual copy-paste slip.
		parties[i] = strings.TrimSuffix(party, "/")
		if u, err := url.Parse(parties[i]); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return nil, fmt.Errorf("clerkauth: AuthorizedParties entry %q is not an origin like https://app.example.com", party)
		}
	}
	c.AuthorizedParties = parties
	if c.Issuer != "" {
		if u, err := url.Parse(c.Issuer); err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("clerkauth: Issuer %q is not an https URL", c.Issuer)
		}
	}
	durations := []struct {
		name  string
		value *time.Duration
		def   time.Duration
	}{
		{"Leeway", &c.Leeway, 5 * time.Second},
		{"UserCacheTTL", &c.UserCacheTTL, 5 * time.Minute},
		{"MaxStale", &c.MaxStale, time.Hour},
		{"ClerkTimeout", &c.ClerkTimeout, 5 * time.Second},
		{"KeyRefreshInterval", &c.KeyRefreshInterval, time.Second},
	}
	for _, d := range durations {
		if *d.value < 0 {
			return nil, fmt.Errorf("clerkauth: %s is negative", d.name)
		}
		if *d.value == 0 {
			*d.value = d.def
		}
	}
	for _, size := range []*int{&c.UserCacheSize, &c.TokenCacheSize} {
		if *size < 0 {
			return nil, errors.New("clerkauth: a cache size is negative")
		}
		if *size == 0 {
			*size = 10_000
		}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &c, nil
}
