module encore.app

go 1.24.0

require (
	encore.dev v1.52.1
	github.com/clerk/clerk-sdk-go/v2 v2.6.0
	github.com/hashicorp/golang-lru/v2 v2.0.7
	github.com/jackc/pgx/v5 v5.7.6
	github.com/svix/svix-webhooks v1.44.0
	golang.org/x/sync v0.17.0
	golang.org/x/text v0.30.0
)

require (
	github.com/go-jose/go-jose/v3 v3.0.4 // indirect
	github.com/jackc/pgpassfile v1.0.0 // indirect
	github.com/jackc/pgservicefile v0.0.0-20240606120523-5a60cdf6a761 // indirect
	github.com/jackc/puddle/v2 v2.2.2 // indirect
	golang.org/x/crypto v0.43.0 // indirect
	gopkg.in/validator.v2 v2.0.1 // indirect
)
