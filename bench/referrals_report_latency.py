"""Report latency: a 50-member chapter with five years of history, reports over HTTP.

    KAFKA_BOOTSTRAP_SERVERS=localhost:9092 DATABASE_URL=postgresql://postgres@localhost:5432/postgres \
        python -m bench.referrals_report_latency [requests-per-report] [other-chapters] [region-chapters]

History: five years of weekly meetings ending today for the measured chapter (50 seats, ~8 members leave
and are replaced every year, so ~90 people over the years), plus `other-chapters` (default 9) chapters like
it in the same database, so the tables hold a region's worth of rows and the indexes have to select. Each
week: attendance for every member, referrals (some members mostly give, some mostly take, a few pairs trade
only with each other), status steps (contacted, most of them won or lost), closed business for the won
ones and some unlinked, one-to-ones, CEUs, visitors (some join). The events are the members service's own
event models, loaded by a **direct batched load of the same projection** (`ReferralsProjection.apply_facts`,
what the consumer runs) into the live generation, not through Kafka: this bench measures the reads.

Then the referrals service runs as a process (uvicorn, as `refnet serve referrals` runs it) and a leader's
token asks, one request at a time after a warm-up: the reciprocity report for the default window (last six
months) and for all five years, a member's scorecard, the chapter summary. Prints p50/p90/p99/max per
report and os.cpu_count(), then the same reports computed in this process (no HTTP). `region-chapters`
(default 100) more chapters with a year of history each form region "east", whose view an administrator
asks for. With REFNET_BENCH_BASE=<a checkout of an earlier commit> that commit's service is measured too,
alternating with this one on the same data (base, head, base, head). Targets: reciprocity (6 months,
computed) p99 < 10 ms, region view of 100 chapters p99 < 100 ms. Each line prints the service process's CPU
per request and the load. REFNET_BENCH_KEEP=1 keeps the loaded database (its URL printed),
REFNET_BENCH_DATABASE=<that URL> measures it again without loading (same arguments, same day), and
REFNET_BENCH_ONLY=<text> keeps only the cases whose label contains it (e.g. `reciprocity 6 months`).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import psutil

from bench.servers import SECRETS, drop_database, machine, serve, servers, wait_healthy
from infra.processes import free_port
from services.referrals.adapters.projection import Fact, ReferralsProjection
from services.referrals.adapters.schema import current_schema
from services.referrals.entrypoints.app import SQL
from shared.auth import issue_token
from shared.contracts import members as m
from shared.events import DomainEvent
from shared.migrations import open_database
from shared.settings import with_database

SEALED = m.SealedData(key_id="k", nonce="bm9uY2U=", ciphertext="c2VhbGVk")
SEATS = 50
YEARS = 5


def chapter_history(cid: str, today: date, rng: random.Random, years: int = YEARS,
                    region: str = "north") -> Iterator[DomainEvent]:
    """`years` (five) of one chapter, in the order the members service would have recorded it."""
    start = today - timedelta(days=365 * years)
    yield m.ChapterFounded(chapter_id=cid, chapter_name=f"Chapter {cid}", city="Leeds", region=region,
                           meeting_weekday="wednesday", meeting_time="07:00", timezone="Europe/London",
                           currency="GBP", founded_on=start - timedelta(days=30))
    serial = 0

    def join(on: date, role: Any = "member") -> m.MemberJoined:
        nonlocal serial
        serial += 1
        mid = f"{cid}-m{serial}"
        return m.MemberJoined(chapter_id=cid, member_id=mid, member_name=f"Member {serial}",
                              business=f"Business {serial}", category=f"Category {serial}",
                              email=f"{mid}@example.org", role=role, joined_on=on)

    active: list[str] = []
    style: dict[str, str] = {}  # giver / taker / balanced
    for i in range(SEATS):
        joined = join(start - timedelta(days=rng.randrange(365)), role="president" if i == 0 else "member")
        active.append(joined.member_id)
        style[joined.member_id] = rng.choice(["giver", "taker", "balanced", "balanced", "balanced"])
        yield joined
    president = active[0]
    pairs = [tuple(rng.sample(active[1:], 2)) for _ in range(3)]  # trade only with each other
    n = 0
    for week in range(52 * years):
        day = start + timedelta(days=7 * week)
        if day > today:
            break
        if week % 7 == 3 and len(active) > 10:  # ~8 leave a year, replaced by a visitor who joins
            leaver = rng.choice([a for a in active if a != president and not any(a in p for p in pairs)])
            active.remove(leaver)
            yield m.MemberLeft(chapter_id=cid, member_id=leaver, left_on=day, dropped=rng.random() < 0.3)
            vid = f"{cid}-jv{week}"
            inviter = rng.choice(active)
            yield m.VisitorInvited(chapter_id=cid, visitor_id=vid, invited_by=inviter, visitor=SEALED,
                                   occurred_on=day - timedelta(days=14))
            yield m.VisitorAttended(chapter_id=cid, visitor_id=vid, invited_by=inviter,
                                    occurred_on=day - timedelta(days=7))
            joined = join(day)
            active.append(joined.member_id)
            style[joined.member_id] = rng.choice(["giver", "taker", "balanced"])
            yield m.VisitorBecameMember(chapter_id=cid, visitor_id=vid, invited_by=inviter,
                                        member_id=joined.member_id, occurred_on=day)
            yield joined
        for member in active:
            yield m.AttendanceRecorded(chapter_id=cid, member_id=member, meeting_date=day,
                                       mark=rng.choice("PPPPPPPPPPPPALMS"))
        weights = [3.0 if style[a] == "giver" else 0.4 if style[a] == "taker" else 1.0 for a in active]
        for _ in range(rng.randint(12, 35)):
            n += 1
            if rng.random() < 0.1:
                giver, receiver = rng.choice(pairs)
                if rng.random() < 0.5:
                    giver, receiver = receiver, giver
            else:
                giver = rng.choices(active, weights)[0]
                takers = [a for a in active if a != giver]
                receiver = rng.choices(takers, [3.0 if style[a] == "taker" else 1.0 for a in takers])[0]
            rid = f"{cid}-r{n}"
            on = day - timedelta(days=rng.randrange(7))
            yield m.ReferralGiven(chapter_id=cid, referral_id=rid, giver_id=giver, receiver_id=receiver,
                                  referral_type=rng.choice(["inside", "outside", "outside", "tier-3"]),
                                  temperature=rng.randint(1, 5), prospect=SEALED, occurred_on=on)
            if rng.random() < 0.75:
                contacted = on + timedelta(days=rng.randrange(6))
                yield m.ReferralStatusChanged(chapter_id=cid, referral_id=rid, giver_id=giver,
                                              receiver_id=receiver, from_status="given", to_status="contacted",
                                              occurred_on=contacted)
                outcome = rng.random()
                if outcome < 0.4:
                    won = contacted + timedelta(days=rng.randint(3, 60))
                    yield m.ReferralStatusChanged(chapter_id=cid, referral_id=rid, giver_id=giver,
                                                  receiver_id=receiver, from_status="contacted", to_status="won",
                                                  occurred_on=won)
                    yield m.ClosedBusinessReported(
                        chapter_id=cid, closed_business_id=f"{rid}-cb", reported_by=receiver,
                        thanked_member_id=giver, amount=Decimal(rng.randint(100, 20000)) + Decimal("0.50"),
                        currency="GBP", business_kind="new", referral_type="outside", referral_id=rid,
                        occurred_on=won)
                elif outcome < 0.6:
                    yield m.ReferralStatusChanged(chapter_id=cid, referral_id=rid, giver_id=giver,
                                                  receiver_id=receiver, from_status="contacted", to_status="lost",
                                                  occurred_on=contacted + timedelta(days=rng.randint(3, 60)))
        for _ in range(rng.randint(3, 8)):  # closed business not linked to a referral
            n += 1
            a, b = rng.sample(active, 2)
            yield m.ClosedBusinessReported(
                chapter_id=cid, closed_business_id=f"{cid}-cb{n}", reported_by=a, thanked_member_id=b,
                amount=Decimal(rng.randint(50, 3000)), currency="GBP", business_kind="repeat",
                referral_type="outside", referral_id=None, occurred_on=day)
        for _ in range(rng.randint(15, 35)):
            n += 1
            a, b = rng.sample(active, 2)
            yield m.OneToOneRecorded(chapter_id=cid, one_to_one_id=f"{cid}-o{n}", member_ids=(a, b), reported_by=a,
                                     mode=rng.choice(["in-person", "video"]), occurred_on=day)
        for _ in range(rng.randint(5, 20)):
            n += 1
            yield m.CeuRecorded(chapter_id=cid, ceu_id=f"{cid}-e{n}", member_id=rng.choice(active),
                                description="podcast", credits=rng.randint(1, 2), occurred_on=day)
        for _ in range(rng.randint(0, 3)):
            n += 1
            inviter = rng.choice(active)
            yield m.VisitorInvited(chapter_id=cid, visitor_id=f"{cid}-v{n}", invited_by=inviter,
                                   visitor=SEALED, occurred_on=day - timedelta(days=7))
            yield m.VisitorAttended(chapter_id=cid, visitor_id=f"{cid}-v{n}", invited_by=inviter, occurred_on=day)


async def load(url: str, chapters: list[str], today: date,
               region: Sequence[str] = ()) -> tuple[int, dict[str, str], float]:
    """Direct batched load into the live generation: `chapters` with five years each, the `region`'s with
    one year each (region "east"); returns (events, the first chapter's members, s)."""
    pool = await open_database(url, SQL)
    started = time.perf_counter()
    members: dict[str, str] = {}
    total = 0
    try:
        schema = await current_schema(pool)
        projection = ReferralsProjection(emit=False, today=lambda: today)
        sequence = 0
        everyone = [(cid, YEARS, "north") for cid in chapters] + [(cid, 1, "east") for cid in region]
        for index, (cid, years, area) in enumerate(everyone):
            batch: list[Fact] = []
            for event in chapter_history(cid, today, random.Random(index), years, area):
                sequence += 1
                if index == 0 and isinstance(event, m.MemberJoined):
                    members[event.member_id] = event.role
                batch.append(Fact(kind=event.name.rsplit(".", 1)[-1], data=event.model_dump(mode="json"),
                                  sequence=sequence, time=f"{today.isoformat()}T07:00:00+00:00", chapter_id=cid))
                if len(batch) == 20_000:
                    async with pool.acquire() as conn, conn.transaction():
                        await projection.apply_facts(conn, batch)
                    total += len(batch)
                    batch = []
            async with pool.acquire() as conn, conn.transaction():
                await projection.apply_facts(conn, batch)
            total += len(batch)
            print(f"\r  loaded {index + 1}/{len(everyone)} chapters, {total} events", end="", flush=True)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(f"SET LOCAL search_path TO {schema}, public")
            await projection.update_lights(conn, None, emit=False)
        async with pool.acquire() as conn:
            await conn.execute("VACUUM ANALYZE")  # as autovacuum would have by now
        print()
    finally:
        await pool.close()
    return total, members, time.perf_counter() - started


def _quantiles(samples: list[float]) -> str:
    samples = sorted(samples)
    q = statistics.quantiles(samples, n=100)
    return (f"p50 {q[49] * 1000:6.1f} ms  p90 {q[89] * 1000:6.1f} ms  p99 {q[98] * 1000:6.1f} ms  "
            f"max {samples[-1] * 1000:6.1f} ms")


BASE = os.environ.get("REFNET_BENCH_BASE")
"""A checkout of the code before a change (e.g. `git archive <commit> | tar -x -C /tmp/base`): its referrals
service is then measured too, alternating with this one (base, head, base, head) on the same data."""


def window(today: date, days: int, shift: int) -> dict[str, str]:
    end = today - timedelta(days=shift)
    return {"from": (end - timedelta(days=days - 1)).isoformat(), "to": end.isoformat()}


async def over_http(base: str, cases: list[tuple[str, str, Callable[[int], dict[str, str]], dict[str, str]]],
                    requests: int, server: psutil.Process | None = None) -> dict[str, tuple[list[float], str]]:
    """Each case one request at a time after a warm-up: its samples and the size of its answer (with the
    `server` process's CPU per request: on a busy machine the steadier measure)."""
    out = {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:  # asks for gzip, as browsers do
        for label, path, params, headers in cases:
            first = await client.get(path, params=params(0), headers=headers)
            first.raise_for_status()
            for i in range(20 if "region" not in label else 5):  # warm-up: connections, prepared statements
                await client.get(path, params=params(requests + i), headers=headers)
            samples = []
            cpu = sum(server.cpu_times()[:2]) if server else 0.0
            for i in range(requests if "region" not in label else max(20, requests // 4)):  # the slow one: fewer
                t0 = time.perf_counter()
                r = await client.get(path, params=params(i), headers=headers)
                samples.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text[:200]
            body = first.json()
            size = (f"{len(body['members'])} members, {len(body['pairs'])} pairs, {len(first.content)} B"
                    if "pairs" in body else f"{len(body['chapters'])} chapters, {len(first.content)} B"
                    if "chapters" in body else f"{len(first.content)} B")
            if server:
                size += f"; server CPU {(sum(server.cpu_times()[:2]) - cpu) / len(samples) * 1000:.2f} ms/request"
            out[label] = (samples, size)
    return out


async def in_process(url: str, cid: str, today: date, requests: int) -> None:
    """The same reports computed and encoded in this process (no HTTP, no gzip): what the service spends."""
    from services.referrals.entrypoints.rendering import render
    from services.referrals.service_layer.reports.reader import ReportReader
    from services.referrals.service_layer.reports.reciprocity import reciprocity
    from services.referrals.service_layer.reports.summary import region

    pool = await open_database(url, SQL)
    try:
        reader = ReportReader(pool)
        cases: list[tuple[str, Callable[[date, date], Awaitable[dict[str, Any]]]]] = [
            ("reciprocity 6 months", lambda a, b: reciprocity(reader, cid, a, b)),
            ("region east, 6 months", lambda a, b: region(reader, "east", a, b))]
        for label, compute in cases:
            samples = []
            for i in range(requests + 20):
                end = today - timedelta(days=i)
                t0 = time.perf_counter()
                render(await compute(end - timedelta(days=181), end), None, None, False)
                if i >= 20:
                    samples.append(time.perf_counter() - t0)
            print(f"  in-process {label:26s} {_quantiles(samples)}")
    finally:
        await pool.close()


KEPT = os.environ.get("REFNET_BENCH_DATABASE")
"""A database an earlier run loaded and kept (REFNET_BENCH_KEEP=1 prints its URL): read again, not loaded
(the same `others` and `region` as that run, the same day)."""
ONLY = os.environ.get("REFNET_BENCH_ONLY")
"""Only the cases whose label contains this text (e.g. `reciprocity 6 months`): shorter runs on a busy machine."""


async def kept_members(url: str, cid: str) -> dict[str, str]:
    """The first chapter's members of a kept database: its first member joined as president (`chapter_history`)."""
    pool = await open_database(url, SQL)
    try:
        schema = await current_schema(pool)
        ids = [r[0] for r in await pool.fetch(f"SELECT member_id FROM {schema}.members WHERE chapter_id = $1", cid)]
    finally:
        await pool.close()
    return {m: "president" if m == f"{cid}-m1" else "member" for m in ids}


async def main(requests: int, others: int, region: int) -> None:
    kafka, server = servers()
    prefix = KEPT.rsplit("/", 1)[1].removesuffix("_referrals") if KEPT else f"bench{uuid.uuid4().hex[:6]}"
    url = KEPT or with_database(server, f"{prefix}_referrals")
    today = date.today()
    chapters = [f"{prefix}c{i}" for i in range(others + 1)]
    east = [f"{prefix}e{i}" for i in range(region)]
    keep = KEPT is not None or os.environ.get("REFNET_BENCH_KEEP") == "1"
    try:
        print(f"report latency: a {SEATS}-member chapter, {YEARS} years of history, {others} other chapters, "
              f"a region of {region} chapters with a year each ({machine()}; os.cpu_count() = {os.cpu_count()})")
        if KEPT:
            members = await kept_members(url, chapters[0])
        else:
            events, members, seconds = await load(url, chapters, today, east)
            print(f"  history: {events} events (direct batched load through ReferralsProjection.apply_facts, "
                  f"{events / seconds:,.0f} events/s incl. generation){f'; kept: {url}' if keep else ''}")
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": server,
               "REFNET_TOPIC_PREFIX": prefix, "REFERRALS_DATABASE_URL": url, **SECRETS}
        cid = chapters[0]
        president = next(mid for mid, role in members.items() if role == "president")
        member = sorted(members)[10]
        # a stand-in for the president's access token (no members service runs here), long enough for the run
        leader = {"Authorization": "Bearer " + issue_token(SECRETS["REFNET_TOKEN_SECRET"], member_id=president,
                                                           chapter_id=cid, role="president", ttl_seconds=3600)}
        admin = {"Authorization": f"Bearer {SECRETS['REFNET_ADMIN_TOKEN']}"}
        # "computed": every request a different window (the window slides back a day each time), so each
        # one is computed from the tables; "repeated": the same default request again and again, as
        # dashboards and leaders do between changes (served from the rendered-report cache, which is
        # keyed by the chapter's applied-events version)
        cases = [
            ("reciprocity 6 months, computed", f"/chapters/{cid}/reciprocity", lambda i: window(today, 182, i), leader),
            ("reciprocity 6 months, repeated", f"/chapters/{cid}/reciprocity", lambda i: {}, leader),
            ("reciprocity 5 years, computed", f"/chapters/{cid}/reciprocity",
             lambda i: window(today, 365 * YEARS, i), leader),
            ("member scorecard, computed", f"/chapters/{cid}/members/{member}/scorecard",
             lambda i: window(today, 182, i), leader),
            ("chapter summary, computed", f"/chapters/{cid}/summary", lambda i: window(today, 182, i), leader),
            ("chapter summary, repeated", f"/chapters/{cid}/summary", lambda i: {}, leader),
        ]
        if east:
            cases.append((f"region, {len(east)} chapters, computed", "/regions/east",
                          lambda i: window(today, 182, i), admin))
        cases = [c for c in cases if ONLY is None or ONLY in c[0]]
        runs = [("base", BASE), ("head", None), ("base", BASE), ("head", None)] if BASE else [("head", None)]
        for name, checkout in runs:
            port = free_port(18302)
            proc = serve("referrals", port, env, cwd=checkout)
            base = f"http://127.0.0.1:{port}"
            try:
                await wait_healthy(base, proc)
                for label, (samples, size) in (await over_http(base, cases, requests,
                                                               psutil.Process(proc.pid))).items():
                    print(f"  {name} {label:34s} {_quantiles(samples)}   ({size}; load {os.getloadavg()[0]:.2f})")
            finally:
                proc.terminate()
                proc.wait(30)
        await in_process(url, cid, today, requests)
        print("  targets: reciprocity 6 months computed p99 < 10 ms, region of 100 chapters p99 < 100 ms "
              "(sequential requests, one client, server in its own process)")
    finally:
        if not keep:
            await drop_database(url)


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    asyncio.run(main(args[0] if args else 300, args[1] if len(args) > 1 else 9, args[2] if len(args) > 2 else 100))
