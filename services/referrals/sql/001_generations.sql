-- The referrals projections live in a schema per generation (referrals_g1, referrals_g2, ...); a rebuild
-- fills a fresh one from the topics and swaps this pointer, so readers never see a half-built projection.
CREATE TABLE IF NOT EXISTS projection_generations (
    name        TEXT PRIMARY KEY,
    schema_name TEXT NOT NULL,
    generation  INTEGER NOT NULL,
    swapped_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
