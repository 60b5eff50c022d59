package auth

import (
	"context"
	"fmt"
	"time"

	"encore.dev"
	"encore.dev/rlog"
	"encore.dev/shutdown"

	"encore.app/auth/clerkauth"
	"encore.app/auth/clerkmirror"
	"encore.app/auth/clerkreconcile"
	"encore.app/auth/clerkusers"
	"encore.app/auth/clerkwebhook"
	"encore.app/auth/internal/authsvc"
	"encore.app/auth/opaquetoken"
	"encore.app/authz"
)

var secrets struct {
	// ClerkSecretKey is the instance's secret key (sk_test_... or sk_live_...):
	// encore secret set --type dev,local ClerkSecretKey
	ClerkSecretKey string
	// ClerkWebhookSecret is the Signing Secret (whsec_...) of the webhook
	// endpoint in the Clerk dashboard; empty leaves webhooks unconfigured:
	// encore secret set --type dev,local ClerkWebhookSecret
	ClerkWebhookSecret string
	// ClerkMachineSecretKey is the secret key of this backend's machine in
	// Clerk's Machines (ak_...), optional: opaque M2M tokens are verified in
	// its name, so only machines allowed to call it pass:
	// encore secret set --type dev,local ClerkMachineSecretKey
	ClerkMachineSecretKey string
}

// Service holds the authenticator and the webhook handler, whose memory
// lives as long as the service, and the tail that keeps that memory current.
//
//encore:service
type Service struct {
	authenticator *clerkauth.Authenticator
	users         *clerkusers.UserCache
	webhooks      *clerkwebhook.Handler
	stopTail      context.CancelFunc
}

// initService is called by Encore at start-up; a configuration error stops
// the app there rather than failing every request later.
func initService() (*Service, error) {
	// The instance whose secrets are set, or in local development without
	// them the embedded local Clerk: its values replace the secrets below.
	clerk, err := startClerk()
	if err != nil {
		return nil, err
	}
	if encore.Meta().Environment.Cloud != encore.CloudLocal {
		if err := authsvc.CheckCloudSettings(cfg.Issuer, cfg.AuthorizedParties); err != nil {
			return nil, err
		}
	}
	seconds := func(n int) time.Duration { return time.Duration(n) * time.Second }
	log := rlog.With()
	recorder := newServiceMetrics()
	authz.SetMetrics(recorder)
	store := clerkmirror.NewStore(db.Stdlib())
	usersCfg := clerkusers.Config{
		SecretKey:    clerk.SecretKey,
		APIURL:       clerk.APIURL,
		Store:        store,
		CacheTTL:     seconds(cfg.UserCacheTTLSeconds),
		CacheSize:    cfg.UserCacheSize,
		MaxStale:     seconds(cfg.MaxStaleSeconds),
		ClerkTimeout: time.Duration(cfg.ClerkTimeoutMillis) * time.Millisecond,
		SyncInterval: time.Duration(cfg.SyncIntervalMillis) * time.Millisecond,
		// The verifier's leeway: revocations outlive the tokens it accepts.
		Leeway:  seconds(cfg.LeewaySeconds),
		Log:     log,
		Metrics: recorder,
	}
	if clerk.WebhookSecret != "" {
		// Webhooks keep the rows current; the bound covers lost deliveries.
		usersCfg.SyncMaxAge = seconds(cfg.UserSyncMaxAgeSeconds)
	}
	users, err := clerkusers.NewUserCache(usersCfg)
	if err != nil {
		return nil, fmt.Errorf("auth service: %w", err)
	}
	revocations := clerkusers.NewRevocations(nil)
	tail, err := clerkusers.NewTail(usersCfg, users, revocations)
	if err != nil {
		return nil, fmt.Errorf("auth service: %w", err)
	}
	if err := authsvc.CheckMachineTokenTTL(seconds(cfg.MachineTokenCacheTTLSeconds), usersCfg.Leeway); err != nil {
		return nil, err
	}
	machineSecretKey := authsvc.OptionalSecret(secrets.ClerkMachineSecretKey)
	opaque, err := opaquetoken.New(opaquetoken.Config{
		SecretKey:        clerk.SecretKey,
		MachineSecretKey: machineSecretKey,
		APIURL:           clerk.APIURL,
		CacheTTL:         seconds(cfg.MachineTokenCacheTTLSeconds),
		CacheSize:        cfg.TokenCacheSize,
		VerifyPerSecond:  cfg.MachineVerifyPerSecond,
		ClerkTimeout:     usersCfg.ClerkTimeout,
		Metrics:          recorder,
	})
	if err != nil {
		return nil, fmt.Errorf("auth service: %w", err)
	}
	warns, info := authsvc.MachineTokenNotes(cfg.AcceptedTokenTypes, machineSecretKey != "", cfg.MachineID)
	for _, w := range warns {
		log.Warn(w)
	}
	if info != "" {
		log.Info(info)
	}
	authenticator, err := clerkauth.New(clerkauth.Config{
		SecretKey:          clerk.SecretKey,
		APIURL:             clerk.APIURL,
		AuthorizedParties:  cfg.AuthorizedParties,
		Issuer:             cfg.Issuer,
		PublishableKey:     cfg.PublishableKey,
		JWTKey:             cfg.JWTKey,
		EmailClaim:         cfg.EmailClaim,
		Leeway:             usersCfg.Leeway,
		TokenCacheSize:     cfg.TokenCacheSize,
		ClerkTimeout:       usersCfg.ClerkTimeout,
		KeySetMaxAge:       seconds(cfg.KeySetMaxAgeSeconds),
		MaxKeyWaiters:      cfg.MaxKeyWaiters,
		AcceptedTokenTypes: cfg.AcceptedTokenTypes,
		MachineID:          cfg.MachineID,
		OpaqueTokens:       opaque,
		Users:              users,
		Revocations:        revocations,
		Log:                log,
		Metrics:            recorder,
	})
	if err != nil {
		return nil, fmt.Errorf("auth service: %w", err)
	}
	reconcile, err := clerkreconcile.New(clerkreconcile.Config{
		SecretKey:         clerk.SecretKey,
		APIURL:            clerk.APIURL,
		Store:             store,
		Publisher:         userEventsPublisher,
		OrgPublisher:      orgEventsPublisher,
		CallsPer10Seconds: cfg.ReconcileCallsPer10Seconds,
		ClerkTimeout:      usersCfg.ClerkTimeout,
		Log:               log,
		Metrics:           recorder,
	})
	if err != nil {
		return nil, fmt.Errorf("auth service: %w", err)
	}
	reconciler.Store(reconcile)
	// Load the revocations that can still matter before the first request;
	// if the database is down, requests go on and Run keeps trying (and
	// logging, see TrySync).
	tail.TrySync(context.Background())
	ctx, stop := context.WithCancel(context.Background())
	go tail.Run(ctx)
	return &Service{
		authenticator: authenticator,
		users:         users,
		webhooks: clerkwebhook.NewHandler(clerkwebhook.Config{
			Secret:       clerk.WebhookSecret,
			Store:        store,
			Publisher:    userEventsPublisher,
			OrgPublisher: orgEventsPublisher,
			Log:          log,
			Metrics:      recorder,
		}),
		stopTail: stop,
	}, nil
}

// Shutdown stops the change-log tail.
func (s *Service) Shutdown(shutdown.Progress) error {
	s.stopTail()
	return nil
}
