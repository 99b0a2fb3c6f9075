-- The language a chapter's notifications are written in (ChapterFounded.language, "en" before it existed).
ALTER TABLE n_chapters ADD COLUMN IF NOT EXISTS language TEXT NOT NULL DEFAULT 'en';
