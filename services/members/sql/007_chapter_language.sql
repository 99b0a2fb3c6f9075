-- The chapter's language (its e-mails, the member app's texts) kept with the chapter, so GET /chapters/{id}
-- answers it. Chapters founded before take it from their ChapterFounded event (English when it named none).
ALTER TABLE chapters ADD COLUMN IF NOT EXISTS language TEXT NOT NULL DEFAULT 'en';

UPDATE chapters c SET language = e.data->>'language'
FROM events e
WHERE e.chapter_id = c.chapter_id AND e.type LIKE 'org.refnet.members.chapter-founded.%'
  AND e.data->>'language' IS NOT NULL;
