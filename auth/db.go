package auth

import "encore.dev/storage/sqldb"

// db holds what Clerk told us about users and sessions; see
// migrations/ and the clerkmirror package.
var db = sqldb.NewDatabase("clerk", sqldb.DatabaseConfig{Migrations: "./migrations"})
