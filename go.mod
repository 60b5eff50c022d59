module encore.app

go 1.24.0

require (
	encore.dev v1.52.1
	github.com/clerk/clerk-sdk-go/v2 v2.4.2
	github.com/hashicorp/golang-lru/v2 v2.0.7
	golang.org/x/sync v0.17.0
)

require (
	github.com/go-jose/go-jose/v3 v3.0.4 // indirect
	golang.org/x/crypto v0.42.0 // indirect
)
