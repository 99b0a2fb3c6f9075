-- The day each projection generation last had its traffic lights and pairs reviewed (see daily_review.py).
CREATE TABLE IF NOT EXISTS daily_reviews (
    schema_name TEXT PRIMARY KEY,
    reviewed_on DATE NOT NULL
);
