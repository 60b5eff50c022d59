-- Reconciliation passes (auth/clerkreconcile) that listed every user and
-- organization of Clerk without error: the cron job runs a pass only when
-- none started within ReconcileIntervalHours. Rows older than 90 days are
-- deleted by the pass that records a new one.
CREATE TABLE reconcile_passes (
    started_at  TIMESTAMPTZ PRIMARY KEY,
    finished_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
