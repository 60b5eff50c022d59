-- A deleted user's row becomes a tombstone: every preference NULL and
-- deleted_at set. The subscription to the auth service's user.deleted writes
-- it, and the API then refuses the user (404): a request authenticated
-- before every instance learned of the deletion cannot write the data back.
-- The tombstone shares the row (and its primary key) with the preferences,
-- so that a PATCH and the deletion, each one statement, are applied one
-- after the other whatever their timing. Clerk never reuses a user ID, so a
-- tombstone is never lifted.
ALTER TABLE preferences ADD COLUMN deleted_at TIMESTAMPTZ;

ALTER TABLE preferences ADD CONSTRAINT preferences_tombstone_holds_nothing CHECK (
    deleted_at IS NULL OR (theme IS NULL AND locale IS NULL AND timezone IS NULL AND email_notifications IS NULL)
);
