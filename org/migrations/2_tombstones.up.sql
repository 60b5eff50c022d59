-- A deleted organization's row becomes a tombstone: every setting NULL and
-- deleted_at set. The subscription to the auth service's
-- organization.deleted writes it, and the API then refuses the organization
-- (404): a request authenticated before every instance learned of the
-- deletion cannot write the settings back. The tombstone shares the row
-- (and its primary key) with the settings, so that a PATCH and the
-- deletion, each one statement, are applied one after the other whatever
-- their timing. Clerk never reuses an organization ID, so a tombstone is
-- never lifted.
ALTER TABLE org_settings ADD COLUMN deleted_at TIMESTAMPTZ;

ALTER TABLE org_settings ADD CONSTRAINT org_settings_tombstone_holds_nothing CHECK (
    deleted_at IS NULL OR (display_name IS NULL AND allowed_email_domains IS NULL)
);
