-- A chapter's choices for its reports (not derived from events, so outside the projection generations:
-- a rebuild keeps them). lights_window: 'rolling' (the last six months) or 'completed' (the six calendar
-- months completed before this one, as BNI scores).
CREATE TABLE IF NOT EXISTS report_settings (
    chapter_id TEXT PRIMARY KEY,
    lights_window TEXT NOT NULL CHECK (lights_window IN ('rolling', 'completed'))
);
