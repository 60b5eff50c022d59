-- What Clerk told us about organizations and their members, so that every
-- instance refuses a token whose organization claims Clerk has since
-- changed (see the change log's tokens_before).

-- The organizations mirror: each organization as the newest version Clerk
-- described. Versions are ordered by Clerk's updated_at, a deletion by the
-- time of its event: an older version never overwrites a newer one, and a
-- deletion stands unless Clerk later reports a newer version.
CREATE TABLE organizations (
    id               TEXT PRIMARY KEY,
    slug             TEXT NOT NULL DEFAULT '',
    name             TEXT NOT NULL DEFAULT '',
    deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    clerk_updated_at TIMESTAMPTZ NOT NULL,
    -- When this row was written: deleted organizations are loaded at
    -- start-up by it.
    synced_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX organizations_deleted_synced_at ON organizations (synced_at) WHERE deleted;

-- The memberships mirror: one row per organization and user, ordered like
-- organizations. A member removed and added again is the same row: Clerk's
-- newer version wins.
CREATE TABLE memberships (
    org_id           TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    -- The role of the newest version; a deletion keeps the last one known.
    role             TEXT NOT NULL DEFAULT '',
    deleted          BOOLEAN NOT NULL DEFAULT FALSE,
    clerk_updated_at TIMESTAMPTZ NOT NULL,
    synced_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);

-- The change log carries organization and membership changes too.
-- tokens_before, set on a membership whose role changed or that was
-- deleted, refuses the tokens of user_id whose active organization is
-- org_id and that were issued before it; a starting instance loads those
-- still within retention from here.
ALTER TABLE changes
    DROP CONSTRAINT changes_kind_check,
    ADD CONSTRAINT changes_kind_check CHECK (kind IN (
        'user_changed', 'user_deleted', 'session_revoked',
        'org_changed', 'org_deleted', 'membership_changed', 'membership_deleted')),
    ADD COLUMN org_id TEXT NOT NULL DEFAULT '',
    ADD COLUMN tokens_before TIMESTAMPTZ;
