"""Reciprocity: members' balances, ordered pairs, two-way pairs, nobody refers to, dormant pairs."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg

from services.referrals.domain.reciprocity import reciprocity_tables
from services.referrals.service_layer.reports.reader import LIVE, Report, ReportReader, as_of_progress


def report_sql(s: str) -> str:
    """The whole report's data in one statement over the generation schema `s` (one round trip, one snapshot):
    the live schema, then the window's members (member_id, member_name, business: columns m0-m2), its ordered
    pairs (p0-p4), its dormant pairs (d0-d4), each column an array, and the chapter's (and all chapters')
    progress rows for `as_of`.

    Pairs (giver_id, receiver_id, referrals, value, last_on): ordered pairs with referrals or valued closed
    business in the window (value 0 when none counted), from the daily totals (`adapters/daily_totals`): a
    window's pairs are the pair-days of its range of days, a few hundred narrow rows.

    Dormant (member_a, member_b, one_to_ones, last_one_to_one, last_referral_on): pairs with one-to-ones in the
    window but no referral either way in it, and the last day they exchanged one, from `pair_referrals` (one
    range of the chapter's rows). Only a window that ends before a pair's last referral (a past window) looks
    that pair's last referral up in the pair-days (two index descents)."""
    last_before = ("(SELECT max(day) FROM {s}.pair_days d WHERE d.chapter_id = $1 AND d.giver_id = o.{g}"
                   " AND d.receiver_id = o.{r} AND d.day <= $3 AND d.referrals > 0)")
    return f"""WITH p AS (
        SELECT giver_id, receiver_id, sum(referrals)::bigint AS referrals,
               CASE WHEN sum(valued) > 0 THEN sum(value) ELSE 0 END AS value,
               max(day) FILTER (WHERE referrals > 0) AS last_on
        FROM {s}.pair_days WHERE chapter_id = $1 AND day BETWEEN $2 AND $3
        GROUP BY 1, 2 HAVING sum(referrals) > 0 OR sum(valued) > 0),
      o AS (
        SELECT member_a, member_b, sum(one_to_ones)::bigint AS one_to_ones, max(day) AS last_one_to_one
        FROM {s}.one_to_one_days WHERE chapter_id = $1 AND day BETWEEN $2 AND $3 AND one_to_ones > 0
        GROUP BY 1, 2),
      d AS (
        SELECT o.*, CASE WHEN l.last_on IS NULL OR l.last_on <= $3 THEN l.last_on ELSE greatest(
                   {last_before.format(s=s, g="member_a", r="member_b")},
                   {last_before.format(s=s, g="member_b", r="member_a")}) END AS last_referral_on
        FROM o LEFT JOIN {s}.pair_referrals l
                 ON l.chapter_id = $1 AND l.member_a = o.member_a AND l.member_b = o.member_b
               LEFT JOIN p ab ON ab.giver_id = o.member_a AND ab.receiver_id = o.member_b AND ab.referrals > 0
               LEFT JOIN p ba ON ba.giver_id = o.member_b AND ba.receiver_id = o.member_a AND ba.referrals > 0
        WHERE ab.giver_id IS NULL AND ba.giver_id IS NULL)
    SELECT {LIVE}, mm.*, pp.*, dd.*, ARRAY(SELECT row(chapter_id, last_sequence, last_time, events)
                                             FROM {s}.progress WHERE chapter_id IN ($1, '')) AS progress
    FROM (SELECT {_columns("m", ("member_id", "member_name", "business"), "member_id")} FROM {s}.members
          WHERE chapter_id = $1 AND (joined_on IS NULL OR joined_on <= $3) AND (left_on IS NULL OR left_on >= $2)
         ) mm,
         (SELECT {_columns("p", PAIR_COLUMNS, "giver_id, receiver_id")} FROM p) pp,
         (SELECT {_columns("d", DORMANT_COLUMNS, "member_a, member_b")} FROM d) dd"""


PAIR_COLUMNS = ("giver_id", "receiver_id", "referrals", "value", "last_on")
DORMANT_COLUMNS = ("member_a", "member_b", "one_to_ones", "last_one_to_one", "last_referral_on")


def _columns(prefix: str, columns: tuple[str, ...], order: str) -> str:
    """A table as one array per column, in `order` (one sort: the aggregates share it). Arrays of plain values
    decode several times faster than arrays of rows (asyncpg looks a row's field types up field by field)."""
    return ", ".join(f"array_agg({c} ORDER BY {order}) AS {prefix}{i}" for i, c in enumerate(columns))


def _rows(row: asyncpg.Record, prefix: str, width: int) -> list[tuple[Any, ...]]:
    """A table's rows (tuples by position) from its column arrays (NULL for none)."""
    columns = [row[f"{prefix}{i}"] for i in range(width)]
    return list(zip(*columns, strict=True)) if columns[0] is not None else []


async def reciprocity(reader: ReportReader, chapter_id: str, start: date, end: date) -> Report:
    row = await reader.in_one_statement(report_sql, chapter_id, start, end)
    return {"chapter_id": chapter_id, "window": {"from": start, "to": end},
            "as_of": as_of_progress(row["progress"], chapter_id),
            **reciprocity_tables(_rows(row, "m", 3), _rows(row, "p", len(PAIR_COLUMNS)),
                                 _rows(row, "d", len(DORMANT_COLUMNS)), end)}
