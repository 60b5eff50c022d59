-- What Clerk told us about users and sessions, so that requests are
-- authenticated without calling Clerk, and so that every instance learns of
-- sign-outs and deletions from the change log.

-- The users mirror: each user as the newest version Clerk described.
CREATE TABLE users (
    id               TEXT PRIMARY KEY,
    email            TEXT NOT NULL DEFAULT '',
    -- Clerk's updated_at of the email stored, from a webhook or a lookup:
    -- an older version never overwrites a newer one, since Svix does not
    -- guarantee order.
    clerk_updated_at TIMESTAMPTZ NOT NULL,
    -- Clerk's updated_at of the newest user event applied, which only
    -- webhooks advance: an event is published unless a newer one was, even
    -- when a lookup stored its version first.
    event_updated_at TIMESTAMPTZ,
    -- Clerk never reuses user IDs, so a deletion is final.
    deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    -- When this row was written: its freshness for authentication.
    synced_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Deleted users are loaded at start-up by the time of their deletion.
CREATE INDEX users_deleted_synced_at ON users (synced_at) WHERE deleted;

-- Sessions Clerk ended, removed or revoked. Rows matter only while a token
-- of the session can still be valid, and are pruned after that.
CREATE TABLE revoked_sessions (
    session_id TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL DEFAULT '',
    revoked_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX revoked_sessions_revoked_at ON revoked_sessions (revoked_at);

-- Webhook deliveries already processed, by svix-id: Svix delivers at least
-- once and retries for days.
CREATE TABLE webhook_deliveries (
    svix_id      TEXT PRIMARY KEY,
    event_type   TEXT NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_processed_at ON webhook_deliveries (processed_at);

-- The change log every instance tails to update its memory. Writers take an
-- advisory lock before inserting, so ids become visible in order and a
-- reader that has seen id n never misses an id below it.
CREATE TABLE changes (
    id         BIGSERIAL PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('user_changed', 'user_deleted', 'session_revoked')),
    user_id    TEXT NOT NULL DEFAULT '',
    session_id TEXT NOT NULL DEFAULT '',
    -- The time of the insert, not of the transaction's start, so pruning
    -- never outruns a long transaction.
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);

CREATE INDEX changes_created_at ON changes (created_at);
