"""Import of a chapter's history: rows read as commands (cells.py, rows.py), decided and recorded by the
live slips' own functions in batches (history.py), reported row by row (report.py)."""
