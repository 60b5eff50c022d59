-- Why a webhook delivery could never be applied (a value the database
-- refuses, an updated_at far in the future); NULL for one processed. Such a
-- delivery is answered 200 so that Svix stops retrying it, and is found with:
--   SELECT svix_id, event_type, failure, processed_at FROM webhook_deliveries
--   WHERE failure IS NOT NULL ORDER BY processed_at DESC;
ALTER TABLE webhook_deliveries ADD COLUMN failure TEXT;

CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (processed_at) WHERE failure IS NOT NULL;
