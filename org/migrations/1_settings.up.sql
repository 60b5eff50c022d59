-- Each organization's settings, keyed by Clerk's organization ID: always
-- the active organization of the caller's token (the auth data's OrgID),
-- never a request parameter. A row exists only once an admin has changed
-- something; a NULL column means "never set" and reads as the default (the
-- display name is then the organization's slug, the domains none).
-- The application validates every value; the CHECKs are a last line.
CREATE TABLE org_settings (
    org_id                TEXT PRIMARY KEY CHECK (org_id <> ''),
    -- Trimmed, 1 to 100 characters.
    display_name          TEXT CHECK (display_name <> '' AND char_length(display_name) <= 100),
    -- Lower-cased DNS names (IDNs in punycode), no duplicates, at most 50.
    allowed_email_domains TEXT[] CHECK (cardinality(allowed_email_domains) <= 50),
    updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
