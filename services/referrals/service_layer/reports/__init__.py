"""Leaders' reports, one module each: SQL aggregation of the per-day fact tables over any window
[start, end], arithmetic in `domain`.

Every report returns `{"window": ..., "as_of": ..., <tables>}`; each table is a list of flat rows so it
can be served as JSON or CSV. Values are closed-business amounts credited to the giver (thanked member)
and reported by the receiver; disputed closed business is left out of values.
"""
