"""Each members event kind into its fact table: one upsert per kind and batch, keyed by the fact's own id
(referral, status step, closed business, one-to-one, CEU, visitor, (member, meeting date)), so applying an
event twice, or events of different topics in any order, ends in the same rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg

from services.referrals.adapters.bulk import latest, stage_or_upsert, upsert
from services.referrals.adapters.facts import Fact, day, moment


@dataclass
class Touched:
    """What a batch changed, for the derived state to look at again."""

    members: set[str] = field(default_factory=set)
    referrals: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str, str]] = field(default_factory=set)  # (chapter, giver, receiver)
    closed_business: set[str] = field(default_factory=set)


Handler = Callable[[asyncpg.Connection, list[Fact], Touched], Awaitable[None]]

# --- chapters and members -------------------------------------------------------------------------


async def chapter_founded(conn: asyncpg.Connection, facts: list[Fact], _touched: Touched) -> None:
    rows = latest(((f.data["chapter_id"], f.data["chapter_name"], f.data["city"], f.data["region"],
                    f.data["currency"], f.data["timezone"], day(f.data["founded_on"]), f.data.get("language") or "en",
                    f.sequence) for f in facts), key=lambda r: r[0])
    await upsert(conn,
        """INSERT INTO chapters (chapter_id, chapter_name, city, region, currency, timezone, founded_on, language)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
               $7::date[], $8::text[])
           ON CONFLICT (chapter_id) DO UPDATE SET chapter_name = excluded.chapter_name, city = excluded.city,
               region = excluded.region, currency = excluded.currency, timezone = excluded.timezone,
               founded_on = excluded.founded_on, language = excluded.language""", [r[:8] for r in rows])


async def member_joined(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    rows = latest(((f.data["member_id"], f.data["chapter_id"], f.data["member_name"], f.data["business"],
                    f.data["category"], f.data.get("role") or "member", day(f.data["joined_on"]), f.sequence)
                   for f in facts), key=lambda r: r[0])
    touched.members.update(r[0] for r in rows)
    await upsert(conn,
        """INSERT INTO members (member_id, chapter_id, member_name, business, category, role, joined_on, role_seq)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::date[], $8::bigint[])
           ON CONFLICT (member_id) DO UPDATE SET chapter_id = excluded.chapter_id,
               member_name = excluded.member_name, business = excluded.business, category = excluded.category,
               joined_on = excluded.joined_on,
               role = CASE WHEN members.role_seq > excluded.role_seq THEN members.role ELSE excluded.role END,
               role_seq = greatest(members.role_seq, excluded.role_seq)""", rows)


async def role_assigned(conn: asyncpg.Connection, facts: list[Fact], _touched: Touched) -> None:
    rows = latest(((f.data["member_id"], f.data["chapter_id"], f.data["role"], f.sequence) for f in facts),
                  key=lambda r: r[0])
    await upsert(conn,
        """INSERT INTO members (member_id, chapter_id, role, role_seq)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
           ON CONFLICT (member_id) DO UPDATE SET role = excluded.role, role_seq = excluded.role_seq
           WHERE members.role_seq < excluded.role_seq""", rows)


async def member_left(conn: asyncpg.Connection, facts: list[Fact], _touched: Touched) -> None:
    rows = latest(((f.data["member_id"], f.data["chapter_id"], day(f.data["left_on"]),
                    bool(f.data.get("dropped")), f.sequence) for f in facts), key=lambda r: r[0])
    await upsert(conn,
        """INSERT INTO members (member_id, chapter_id, left_on, dropped)
           SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::bool[])
           ON CONFLICT (member_id) DO UPDATE SET left_on = excluded.left_on, dropped = excluded.dropped""",
        [r[:4] for r in rows])


async def membership_renewed(conn: asyncpg.Connection, facts: list[Fact], _touched: Touched) -> None:
    rows = latest(((f.data["member_id"], f.data["chapter_id"], day(f.data["renewed_until"]), f.sequence)
                   for f in facts), key=lambda r: r[0])
    await upsert(conn,
        """INSERT INTO members (member_id, chapter_id, renewed_until)
           SELECT * FROM unnest($1::text[], $2::text[], $3::date[])
           ON CONFLICT (member_id) DO UPDATE SET renewed_until =
               greatest(members.renewed_until, excluded.renewed_until)""", [r[:3] for r in rows])


# --- referrals and closed business ----------------------------------------------------------------


async def referral_given(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    rows = latest(((f.data["referral_id"], f.data["chapter_id"], f.data["giver_id"], f.data["receiver_id"],
                    f.data["referral_type"], int(f.data["temperature"]), day(f.data["occurred_on"]),
                    f.sequence, moment(f.time), f.data.get("recorded_by")) for f in facts), key=lambda r: r[0],
                  seq_index=7)
    for r in rows:
        touched.referrals.add(r[0])
        touched.members.add(r[2])
        touched.pairs.add((r[1], r[2], r[3]))
    await stage_or_upsert(conn, "_staged_referrals_given", rows,
        """INSERT INTO referrals (referral_id, chapter_id, giver_id, receiver_id, referral_type, temperature,
                                  given_on, seq, recorded_at, recorded_by)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[],
                                $7::date[], $8::bigint[], $9::timestamptz[], $10::text[])
           ON CONFLICT (referral_id) DO UPDATE SET referral_type = excluded.referral_type,
               temperature = excluded.temperature, given_on = excluded.given_on, seq = excluded.seq,
               recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by,
               giver_id = excluded.giver_id, receiver_id = excluded.receiver_id""", rows)


async def referral_status_changed(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    steps = latest(((f"{f.data['referral_id']}@{f.sequence}", f.data["referral_id"], f.data["from_status"],
                     f.data["to_status"], f.data.get("reason"), day(f.data["occurred_on"]), f.sequence)
                    for f in facts), key=lambda r: r[0])
    stubs = latest(((f.data["referral_id"], f.data["chapter_id"], f.data["giver_id"], f.data["receiver_id"],
                     f.sequence) for f in facts), key=lambda r: r[0])
    touched.referrals.update(r[0] for r in stubs)
    # A step may arrive before its referral: a stub row, completed when the referral arrives.
    await stage_or_upsert(conn, "_staged_referral_stubs", stubs,
        """INSERT INTO referrals (referral_id, chapter_id, giver_id, receiver_id)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (referral_id) DO NOTHING""", [r[:4] for r in stubs])
    await upsert(conn,
        """INSERT INTO referral_steps SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
               $5::text[], $6::date[], $7::bigint[]) ON CONFLICT (event_id) DO NOTHING""", steps)


async def closed_business_reported(conn: asyncpg.Connection, facts: list[Fact], touched: Touched) -> None:
    touched.closed_business.update(f.data["closed_business_id"] for f in facts)
    rows = latest(((f.data["closed_business_id"], f.data["chapter_id"], f.data["reported_by"],
                    f.data["thanked_member_id"], Decimal(str(f.data["amount"])), f.data["currency"],
                    f.data["business_kind"], f.data["referral_type"], f.data.get("referral_id"),
                    day(f.data["occurred_on"]), moment(f.time), f.data.get("recorded_by"), f.sequence)
                   for f in facts), key=lambda r: r[0])
    await stage_or_upsert(conn, "_staged_closed_business_reported", rows,
        """INSERT INTO closed_business (closed_business_id, chapter_id, reported_by, thanked_member_id, amount,
                                        currency, business_kind, referral_type, referral_id, occurred_on,
                                        recorded_at, recorded_by)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[],
                                $7::text[], $8::text[], $9::text[], $10::date[], $11::timestamptz[], $12::text[])
           ON CONFLICT (closed_business_id) DO UPDATE SET reported_by = excluded.reported_by,
               thanked_member_id = excluded.thanked_member_id, amount = excluded.amount,
               currency = excluded.currency, business_kind = excluded.business_kind,
               referral_type = excluded.referral_type, referral_id = excluded.referral_id,
               occurred_on = excluded.occurred_on, recorded_at = excluded.recorded_at,
               recorded_by = excluded.recorded_by""", [r[:12] for r in rows])


def closed_business_marked(column: str) -> Handler:
    """Confirmed or disputed: the day goes into `column`."""

    async def mark(conn: asyncpg.Connection, facts: list[Fact], _touched: Touched) -> None:
        rows = latest(((f.data["closed_business_id"], f.data["chapter_id"], day(f.data["occurred_on"]),
                        f.sequence) for f in facts), key=lambda r: r[0])
        await stage_or_upsert(conn, f"_staged_closed_business_{column}", rows,
            f"""INSERT INTO closed_business (closed_business_id, chapter_id, {column})
                SELECT * FROM unnest($1::text[], $2::text[], $3::date[])
                ON CONFLICT (closed_business_id) DO UPDATE SET {column} = excluded.{column}""",
            [r[:3] for r in rows])

    return mark
