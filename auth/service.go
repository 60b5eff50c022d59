package auth

import (
	"fmt"
	"time"

	"encore.app/auth/clerkauth"
)

var secrets struct {
	// ClerkSecretKey is the instance's secret key (sk_test_... or sk_live_...):
	// encore secret set --type dev,local ClerkSecretKey
	ClerkSecretKey string
}

// Service holds the authenticator, whose caches live as long as the service.
//
//encore:service
type Service struct {
	authenticator *clerkauth.Authenticator
}

// initService is called by Encore at start-up; a configuration error stops
// the app there rather than failing every request later.
func initService() (*Service, error) {
	authenticator, err := clerkauth.New(clerkauth.Config{
		SecretKey:         secrets.ClerkSecretKey,
		APIURL:            cfg.ClerkAPIURL,
		AuthorizedParties: cfg.AuthorizedParties,
		Issuer:            cfg.Issuer,
		JWTKey:            cfg.JWTKey,
		Leeway:            time.Duration(cfg.LeewaySeconds) * time.Second,
		UserCacheTTL:      time.Duration(cfg.UserCacheTTLSeconds) * time.Second,
		UserCacheSize:     cfg.UserCacheSize,
		TokenCacheSize:    cfg.TokenCacheSize,
		MaxStale:          time.Duration(cfg.MaxStaleSeconds) * time.Second,
		ClerkTimeout:      time.Duration(cfg.ClerkTimeoutMillis) * time.Millisecond,
	})
	if err != nil {
		return nil, fmt.Errorf("auth service: %w (set the secret with: encore secret set --type dev,local ClerkSecretKey)", err)
	}
	return &Service{authenticator: authenticator}, nil
}
