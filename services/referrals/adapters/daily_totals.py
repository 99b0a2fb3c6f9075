"""Daily totals: the fact tables summed per pair and day, per one-to-one pair and day, and per chapter and
day, so a report over any window of days sums a few hundred narrow rows instead of reading every fact.

They are kept exact by PostgreSQL itself: statement-level triggers on the fact tables add what each INSERT,
UPDATE or DELETE put in and take out what it took away (from the statement's transition tables, set-based,
in key order), in the same transaction as the facts. So every path that writes facts (the consumer's
upserts, a referral's derived status, a stub completed later, a disputed closed business) keeps them
right, readers in a snapshot see facts and totals agree, and nothing in Python has to remember to.

Beside the pair-days, `pair_referrals` keeps per unordered pair the last day either gave the other a
referral: the reciprocity report's dormant pairs read it in one range of rows instead of two index descents
into the pair-days per pair. The referrals' triggers recompute it from the pair-days (just updated in the same
function) for the pairs a statement moved, so it is as exact as they are.

A rebuild creates its generation without them, loads the facts, then sums every fact once
(`create_totals(filled=True)`) and adds the triggers before the swap. A generation made before they existed
gets them on the service's start (`ensure_totals`: the fact tables locked against writes while they are summed).
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Totals:
    """One table of totals: its key columns (its primary key: chapter and day first, so a window is one range
    of it), the summed columns with their types, and more indexes."""

    name: str
    keys: tuple[str, ...]
    sums: tuple[tuple[str, str], ...]
    indexes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """What one fact row adds to a table of totals: key expressions (in the table's key order), the
    expression of each summed column it feeds (the others get 0), and which rows count."""

    table: str
    totals: Totals
    keys: tuple[str, ...]
    sums: tuple[tuple[str, str], ...]
    where: str


PAIR_DAYS = Totals("pair_days", ("chapter_id", "day", "giver_id", "receiver_id"),
                   (("referrals", "BIGINT"), ("value", "NUMERIC"), ("valued", "BIGINT")),
                   ("(chapter_id, giver_id, receiver_id, day)",))
"""Per ordered pair (giver → receiver) and day: referrals given, and closed business credited to the giver
(thanked member) by the receiver that counts as value (with an amount, not disputed): its sum and count."""
ONE_TO_ONE_DAYS = Totals("one_to_one_days", ("chapter_id", "day", "member_a", "member_b"),
                         (("one_to_ones", "BIGINT"),))
CHAPTER_DAYS = Totals("chapter_days", ("chapter_id", "day"), (
    ("referrals", "BIGINT"), ("inside", "BIGINT"), ("outside", "BIGINT"), ("tier_3", "BIGINT"), ("won", "BIGINT"),
    ("closed_business", "BIGINT"), ("closed_business_value", "NUMERIC"), ("one_to_ones", "BIGINT"),
    ("ceu_credits", "BIGINT"), ("visitors", "BIGINT"), ("visitors_joined", "BIGINT")))
TOTALS = (PAIR_DAYS, ONE_TO_ONE_DAYS, CHAPTER_DAYS)

VALUED = ("amount IS NOT NULL AND disputed_on IS NULL AND occurred_on IS NOT NULL"
          " AND thanked_member_id IS NOT NULL AND reported_by IS NOT NULL")
"""Closed business that counts as value (the reports' CLOSED_BUSINESS_VALUES), with its pair known."""


def _flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


SOURCES = (
    Source("referrals", PAIR_DAYS, ("chapter_id", "given_on", "giver_id", "receiver_id"), (("referrals", "1"),),
           "given_on IS NOT NULL"),
    Source("closed_business", PAIR_DAYS, ("chapter_id", "occurred_on", "thanked_member_id", "reported_by"),
           (("value", "amount"), ("valued", "1")), VALUED),
    Source("one_to_ones", ONE_TO_ONE_DAYS, ("chapter_id", "occurred_on", "member_a", "member_b"),
           (("one_to_ones", "1"),), "true"),
    Source("referrals", CHAPTER_DAYS, ("chapter_id", "given_on"), (
        ("referrals", "1"), ("inside", _flag("referral_type = 'inside'")),
        ("outside", _flag("referral_type = 'outside'")), ("tier_3", _flag("referral_type = 'tier-3'")),
        ("won", _flag("status = 'won'"))), "given_on IS NOT NULL"),
    Source("closed_business", CHAPTER_DAYS, ("chapter_id", "occurred_on"),
           (("closed_business", "1"), ("closed_business_value", "amount")), VALUED),
    Source("one_to_ones", CHAPTER_DAYS, ("chapter_id", "occurred_on"), (("one_to_ones", "1"),), "true"),
    Source("ceus", CHAPTER_DAYS, ("chapter_id", "occurred_on"), (("ceu_credits", "credits"),), "true"),
    Source("visitors", CHAPTER_DAYS, ("chapter_id", "attended_on"),
           (("visitors", "1"), ("visitors_joined", _flag("became_member_on IS NOT NULL"))),
           "attended_on IS NOT NULL"),
)
SOURCE_TABLES = tuple(dict.fromkeys(s.table for s in SOURCES))


PAIR_REFERRALS = "pair_referrals"
"""Per unordered pair (member_a < member_b in code-point order, as one-to-ones store theirs: `COLLATE "C"`):
the last day either gave the other a referral. A pair whose referrals all went has no row."""
_LOW = 'least(giver_id COLLATE "C", receiver_id COLLATE "C")'
_HIGH = 'greatest(giver_id COLLATE "C", receiver_id COLLATE "C")'


def _pair_referrals_statements(schema: str) -> tuple[str, str, str]:
    """(the table, its filling from the pair-days, its key)."""
    return (f"CREATE TABLE {schema}.{PAIR_REFERRALS} (chapter_id TEXT NOT NULL, member_a TEXT NOT NULL,"
            " member_b TEXT NOT NULL, last_on DATE NOT NULL)",
            f"INSERT INTO {schema}.{PAIR_REFERRALS} SELECT chapter_id, {_LOW}, {_HIGH}, max(day)"
            f" FROM {schema}.{PAIR_DAYS.name} WHERE referrals > 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            f"ALTER TABLE {schema}.{PAIR_REFERRALS} ADD PRIMARY KEY (chapter_id, member_a, member_b)")


def _last_referrals(schema: str, op: str) -> str:
    """The pairs a statement on `referrals` moved (an update: only rows whose pair or day changed), their last
    referral looked up again in the pair-days (already updated by this function), in key order."""
    def pairs(rows: str) -> str:
        return f"SELECT chapter_id, {_LOW} AS a, {_HIGH} AS b FROM {rows} WHERE given_on IS NOT NULL"

    if op == "update":
        def side(rows: str) -> str:  # the new or old rows of the updates that moved a pair or a day
            return (f"(SELECT {rows}.* FROM new_rows n JOIN old_rows o USING (referral_id)"
                    " WHERE (n.chapter_id, n.giver_id, n.receiver_id, n.given_on)"
                    f" IS DISTINCT FROM (o.chapter_id, o.giver_id, o.receiver_id, o.given_on)) {rows}")

        moved = f"{pairs(side('n'))} UNION {pairs(side('o'))}"
    else:
        moved = f"SELECT DISTINCT * FROM ({pairs('new_rows' if op == 'insert' else 'old_rows')}) p"
    last = ("(SELECT max(day) FROM {s}.pair_days d WHERE d.chapter_id = k.chapter_id AND d.giver_id = k.{g}"
            " AND d.receiver_id = k.{r} AND d.referrals > 0)")
    return (f"WITH k AS ({moved}), "
            f"l AS (SELECT k.*, greatest({last.format(s=schema, g='a', r='b')}, {last.format(s=schema, g='b', r='a')})"
            " AS last_on FROM k), "
            f"gone AS (DELETE FROM {schema}.{PAIR_REFERRALS} p USING l WHERE l.last_on IS NULL"
            " AND p.chapter_id = l.chapter_id AND p.member_a = l.a AND p.member_b = l.b) "
            f"INSERT INTO {schema}.{PAIR_REFERRALS} SELECT chapter_id, a, b, last_on FROM l WHERE last_on IS NOT NULL"
            " ORDER BY 1, 2, 3 ON CONFLICT (chapter_id, member_a, member_b) DO UPDATE SET last_on = excluded.last_on"
            f" WHERE {PAIR_REFERRALS}.last_on <> excluded.last_on")


def table_statements(schema: str, totals: tuple[Totals, ...] = TOTALS) -> tuple[list[str], list[str]]:
    """(the tables, their keys and indexes): a filling adds the keys after the rows, in one sort each."""
    tables, keys = [], []
    for t in totals:
        columns = [f"{k} {'DATE' if k == 'day' else 'TEXT'} NOT NULL" for k in t.keys]
        columns += [f"{c} {kind} NOT NULL DEFAULT 0" for c, kind in t.sums]
        tables.append(f"CREATE TABLE {schema}.{t.name} ({', '.join(columns)})")
        keys.append(f"ALTER TABLE {schema}.{t.name} ADD PRIMARY KEY ({', '.join(t.keys)})")
        keys += [f"CREATE INDEX ON {schema}.{t.name} {index}" for index in t.indexes]
    if PAIR_DAYS in totals:
        table, _, key = _pair_referrals_statements(schema)
        tables.append(table)
        keys.append(key)
    return tables, keys


def _rows(source: Source, rows: str, sign: str) -> str:
    """The contribution of `rows` (a fact table or a transition table) to its totals, times `sign`."""
    fed = dict(source.sums)
    values = [f"{sign}({fed[c]})" if c in fed else "0" for c, _ in source.totals.sums]
    keys = [f"{expr} AS k{i}" for i, expr in enumerate(source.keys)]
    return f"SELECT {', '.join(keys + [f'{v} AS s{i}' for i, v in enumerate(values)])} FROM {rows} WHERE {source.where}"


def _add(schema: str, source: Source, parts: list[str]) -> str:
    """Add these contributions to the totals: grouped by key, in key order (one lock order for every writer),
    leaving out keys whose change sums to nothing (an update that moved no total touches no row)."""
    t = source.totals
    n, m = len(t.keys), len(t.sums)
    keys = ", ".join(f"k{i}" for i in range(n))
    sums = ", ".join(f"sum(s{i})" for i in range(m))
    changed = " OR ".join(f"sum(s{i}) <> 0" for i in range(m))
    updates = ", ".join(f"{c} = {t.name}.{c} + excluded.{c}" for c, _ in t.sums)
    union = " UNION ALL ".join(parts)
    return (f"INSERT INTO {schema}.{t.name} ({', '.join(t.keys)}, {', '.join(c for c, _ in t.sums)}) "
            f"SELECT {keys}, {sums} FROM ({union}) d GROUP BY {keys} HAVING {changed} ORDER BY {keys} "
            f"ON CONFLICT ({', '.join(t.keys)}) DO UPDATE SET {updates}")


def trigger_statements(schema: str, functions_only: bool = False) -> list[str]:
    """Per fact table a function and a trigger for each of INSERT, UPDATE and DELETE (`functions_only`: the
    functions replaced, the triggers already there)."""
    out = []
    for table in SOURCE_TABLES:
        sources = [s for s in SOURCES if s.table == table]
        for op, parts in (("insert", [("new_rows", "")]), ("update", [("new_rows", ""), ("old_rows", "-")]),
                          ("delete", [("old_rows", "-")])):
            body = "; ".join(_add(schema, s, [_rows(s, rows, sign) for rows, sign in parts]) for s in sources)
            if table == "referrals":
                body += "; " + _last_referrals(schema, op)
            function = f"{schema}.totals_{table}_{op}"
            out.append(f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body}; "
                       "RETURN NULL; END $$")
            referencing = {"insert": "NEW TABLE AS new_rows", "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
                           "delete": "OLD TABLE AS old_rows"}[op]
            if not functions_only:
                out.append(f"CREATE TRIGGER totals_{op} AFTER {op.upper()} ON {schema}.{table}"
                           f" REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    return out


def fill_statements(schema: str, totals: tuple[Totals, ...] = TOTALS) -> list[str]:
    """Every fact summed once (a rebuild's end, an upgrade): one statement per table of totals, into the table
    before it has its key (no index kept up row by row), in key order: a chapter's days lie together on disk,
    so a window reads a few pages of them however many other chapters the table holds."""
    out = []
    for t in totals:
        parts = [_rows(s, f"{schema}.{s.table}", "") for s in SOURCES if s.totals is t]
        out.append(_add(schema, Source("", t, (), (), ""), parts).split(" ON CONFLICT", 1)[0])
    if PAIR_DAYS in totals:
        out.append(_pair_referrals_statements(schema)[1])  # from the pair-days just summed
    return out


async def create_totals(conn: asyncpg.Connection, schema: str, filled: bool = False,
                        totals: tuple[Totals, ...] = TOTALS, triggers: bool = True) -> None:
    """These tables of totals and (with `triggers`) the triggers of all; with `filled`, summed from the facts
    already there (the caller makes sure no fact is written meanwhile: a rebuild's own generation, or
    `ensure_totals`' lock). A rebuild fills them on two connections and adds the triggers last."""
    tables, keys = table_statements(schema, totals)
    statements = tables + (fill_statements(schema, totals) if filled else []) + keys
    statements += trigger_statements(schema) if triggers else []
    async with conn.transaction():
        for statement in statements:
            await conn.execute(statement)


async def create_triggers(conn: asyncpg.Connection, schema: str) -> None:
    async with conn.transaction():
        for statement in trigger_statements(schema):
            await conn.execute(statement)


_ENSURED: set[tuple[str, str]] = set()


async def ensure_totals(pool: asyncpg.Pool, schema: str) -> None:
    """Give a generation made before daily totals existed its totals, summed from its facts, once; the fact
    tables are locked against writes (readers go on) for the few seconds that takes."""
    async with pool.acquire() as conn:
        database = str(await conn.fetchval("SELECT current_database()"))
        if (database, schema) in _ENSURED:
            return
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(7345103)")
            lock = f"LOCK TABLE {', '.join(f'{schema}.{t}' for t in SOURCE_TABLES)} IN SHARE ROW EXCLUSIVE MODE"
            if await conn.fetchval("SELECT to_regclass($1)", f"{schema}.{PAIR_DAYS.name}") is None:
                await conn.execute(lock)
                await create_totals(conn, schema, filled=True)
            elif await conn.fetchval("SELECT to_regclass($1)", f"{schema}.{PAIR_REFERRALS}") is None:
                # daily totals from before the pairs' last referrals: those summed from the pair-days, and the
                # referrals' trigger functions replaced by ones that keep them
                await conn.execute(lock)
                for statement in _pair_referrals_statements(schema):
                    await conn.execute(statement)
                for statement in trigger_statements(schema, functions_only=True):
                    await conn.execute(statement)
        _ENSURED.add((database, schema))
