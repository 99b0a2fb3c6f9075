"""The API fuzz's parts: real data seeded through the public API, and the run of one caller over one schema."""
