-- Import jobs live in the database, so any process of the service answers for any job and a job's
-- outcome outlives the process that ran it. `heartbeat_at` tells a job whose process died from a slow one.
CREATE TABLE IF NOT EXISTS import_jobs (
    job_id          TEXT PRIMARY KEY,
    chapter_id      TEXT NOT NULL,
    started_by      TEXT NOT NULL,
    idempotency_key TEXT,
    dry_run         BOOLEAN NOT NULL,
    files           JSONB NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    done            INTEGER NOT NULL DEFAULT 0,
    total           INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    result          JSONB,
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    heartbeat_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX IF NOT EXISTS import_jobs_retry ON import_jobs (started_by, chapter_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
