"""Import of history on the real Kafka and PostgreSQL: a five-year chapter (roster + slips) lands in the
members service's read models and on the topics exactly as hand-computed; bad rows are reported while
good rows are recorded; a re-import and a dry run record nothing; CSV and .xlsx are the same file."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest

from shared.settings import Settings
from tests.e2e.imports.history import FOUNDED, History, generate
from tests.e2e.members.conftest import ADMIN, bearer, found
from tests.e2e.sign_in import admin_session
from tests.integration.foundation.things import body_of, headers_of, read_topic


@pytest.fixture(scope="module")
def history() -> History:
    return generate(seed=7)


async def leader(client: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """A chapter founded in 2020 whose president (Pat) runs the import."""
    chapter_id = await found(client, founded_on=FOUNDED.isoformat())
    pat = await client.post(f"/chapters/{chapter_id}/members", headers=bearer(ADMIN), json={
        "name": "Pat President", "business": "Pat Law", "category": "Lawyer", "email": "pat@example.com",
        "joined_on": FOUNDED.isoformat()})
    assert pat.status_code == 201, pat.text
    appointed = await client.post(f"/chapters/{chapter_id}/members/{pat.json()['member_id']}/role",
                                  headers=bearer(ADMIN), json={"role": "president"})
    assert appointed.status_code == 201, appointed.text
    assert "token" not in appointed.json()
    return chapter_id, bearer(await admin_session(client, ADMIN, chapter_id, pat.json()["member_id"]))


async def run_import(client: httpx.AsyncClient, chapter_id: str, auth: dict[str, str], *,
                     slips: tuple[str, bytes] | None = None, roster: tuple[str, bytes] | None = None,
                     dry_run: bool = False) -> dict[str, Any]:
    files = {}
    if slips:
        files["file"] = slips
    if roster:
        files["roster"] = roster
    started = await client.post(f"/chapters/{chapter_id}/imports", params={"dry_run": str(dry_run).lower()},
                                files=files, headers=auth)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    seen_progress = set()
    for _ in range(1200):
        job = (await client.get(location, headers=auth)).json()
        seen_progress.add(job["progress"]["done"])
        if job["status"] in ("done", "failed"):
            assert job["status"] == "done", job
            assert job["progress"]["done"] == job["progress"]["total"]
            return dict(job)
        await asyncio.sleep(0.05)
    raise AssertionError("import did not finish")


async def last_position(client: httpx.AsyncClient) -> int:
    return int((await client.get("/health")).json()["last_position"])


def statuses(job: dict[str, Any], file: str) -> Counter[str]:
    return Counter(r["status"] for r in job["result"]["rows"] if r["file"] == file)


async def test_five_years_imported_equal_the_hand_computed_figures(
        client: httpx.AsyncClient, history: History, settings: Settings) -> None:
    chapter_id, auth = await leader(client)
    job = await run_import(client, chapter_id, auth, roster=("roster.csv", history.roster_csv()),
                           slips=("slips.csv", history.slips_csv()))
    e = history.expected
    assert statuses(job, "roster") == {"recorded": len(history.roster) - 1}
    slip_statuses = statuses(job, "slips")
    assert slip_statuses == {"recorded": e.recorded_rows, "already imported": e.same_meeting_rows,
                             "refused": len(history.bad_rows)}, slip_statuses
    # every bad row reported with its row number and why; the good rows around it recorded
    refused = {r["row"]: r["message"] for r in job["result"]["rows"] if r["status"] == "refused"}
    assert set(refused) == set(history.bad_rows)
    for row, word in history.bad_rows.items():
        assert refused[row].startswith(f"row {row}: ") and word in refused[row], refused[row]
    assert job["result"]["unknown_columns"] == {"roster": [], "slips": []}

    # the members service's read models equal the hand-computed figures
    members = (await client.get(f"/chapters/{chapter_id}/members", headers=auth)).json()
    by_email = {m["email"]: m for m in members}
    for email, m in by_email.items():
        if email == "pat@example.com":
            continue
        detail = (await client.get(f"/chapters/{chapter_id}/members/{m['member_id']}", headers=auth)).json()
        assert detail["referrals_given"] == e.referrals_given[email], email
        assert detail["referrals_received"] == e.referrals_received[email], email
        assert detail["one_to_ones"] == e.one_to_ones_of[email], email
        assert detail["ceu_credits"] == e.ceu_credits[email], email
        assert detail["visitors_invited"] == e.visitors[email], email
    closed = (await client.get(f"/chapters/{chapter_id}/closed-business", headers=auth)).json()
    assert len(closed) == e.closed_business
    thanked: dict[str, Decimal] = {}
    id_to_email = {m["member_id"]: email for email, m in by_email.items()}
    for slip in closed:
        email = id_to_email[slip["thanked_member_id"]]
        thanked[email] = thanked.get(email, Decimal(0)) + Decimal(slip["amount"])
    assert thanked == e.thanked_amount
    one_to_ones = (await client.get(f"/chapters/{chapter_id}/one-to-ones", headers=auth)).json()
    assert len(one_to_ones) == len(e.one_to_ones)
    # history lands on the day it happened, years back
    referrals = (await client.get(f"/chapters/{chapter_id}/referrals", headers=auth)).json()
    assert min(r["occurred_on"] for r in referrals) < "2021-01-01"
    assert all(r["status"] == "given" for r in referrals)

    # the events carry the import in their metadata ...
    conn = await asyncpg.connect(settings.service_database_url("members"))
    try:
        rows = await conn.fetch("SELECT type, metadata FROM events WHERE chapter_id = $1"
                                " AND metadata->>'imported' = 'true'", chapter_id)
    finally:
        await conn.close()
    imported = Counter(r["type"].split(".")[-1].rsplit(".v", 1)[0] for r in rows)
    assert sum(imported.values()) == e.recorded_rows + len(history.roster) - 1
    # ... and on the topics other services read, the same figures
    referral_topic = await read_topic(settings.kafka_bootstrap_servers, settings.topic("members.referrals"),
                                      sum(e.referrals_given.values()))
    given = [r for r in referral_topic if headers_of(r)["ce_chapterid"] == chapter_id
             and headers_of(r)["ce_type"].startswith("org.refnet.members.referral-given")]
    assert len(given) == sum(e.referrals_given.values())
    cb_topic = await read_topic(settings.kafka_bootstrap_servers, settings.topic("members.closed-business"),
                                e.closed_business)
    assert sum(Decimal(body_of(r)["amount"]) for r in cb_topic) == sum(e.thanked_amount.values())


async def test_reimport_records_nothing_twice(client: httpx.AsyncClient) -> None:
    small = generate(seed=11, members=6, weeks=30)
    chapter_id, auth = await leader(client)
    first = await run_import(client, chapter_id, auth, roster=("roster.csv", small.roster_csv()),
                             slips=("slips.csv", small.slips_csv()))
    assert statuses(first, "slips")["recorded"] == small.expected.recorded_rows
    before = await last_position(client)
    again = await run_import(client, chapter_id, auth, roster=("roster.csv", small.roster_csv()),
                             slips=("slips.csv", small.slips_csv()))
    assert statuses(again, "roster") == {"already imported": len(small.roster) - 1}
    assert statuses(again, "slips") == {"already imported": len(small.slips) - 1 - len(small.bad_rows),
                                        "refused": len(small.bad_rows)}
    assert await last_position(client) == before


async def test_dry_run_reports_what_would_be_recorded_and_records_nothing(client: httpx.AsyncClient) -> None:
    small = generate(seed=3, members=6, weeks=30)
    chapter_id, auth = await leader(client)
    before = await last_position(client)
    job = await run_import(client, chapter_id, auth, roster=("roster.csv", small.roster_csv()),
                           slips=("slips.csv", small.slips_csv()), dry_run=True)
    assert job["dry_run"] is True
    assert statuses(job, "roster") == {"would record": len(small.roster) - 1}
    assert statuses(job, "slips") == {"would record": small.expected.recorded_rows,
                                      "already imported": small.expected.same_meeting_rows,
                                      "refused": len(small.bad_rows)}
    assert await last_position(client) == before
    assert len((await client.get(f"/chapters/{chapter_id}/members", headers=auth)).json()) == 1
    # and the real import afterwards records exactly what the dry run announced
    real = await run_import(client, chapter_id, auth, roster=("roster.csv", small.roster_csv()),
                            slips=("slips.csv", small.slips_csv()))
    assert real["result"]["slips_by_kind"] == job["result"]["slips_by_kind"]


async def test_xlsx_and_csv_are_the_same_file(client: httpx.AsyncClient) -> None:
    small = generate(seed=5, members=6, weeks=30, bad=False)
    chapter_id, auth = await leader(client)
    job = await run_import(client, chapter_id, auth, roster=("roster.xlsx", small.roster_xlsx()),
                           slips=("slips.xlsx", small.slips_xlsx()))
    assert statuses(job, "roster") == {"recorded": len(small.roster) - 1}
    assert statuses(job, "slips")["recorded"] == small.expected.recorded_rows
    assert "refused" not in statuses(job, "slips")
    # the same rows as CSV have the same identities: nothing is recorded twice
    before = await last_position(client)
    again = await run_import(client, chapter_id, auth, roster=("roster.csv", small.roster_csv()),
                             slips=("slips.csv", small.slips_csv()))
    assert set(statuses(again, "slips")) == {"already imported"}
    assert await last_position(client) == before


async def test_only_leaders_import_and_a_bad_file_is_refused_whole(client: httpx.AsyncClient) -> None:
    chapter_id, auth = await leader(client)
    member = await client.post(f"/chapters/{chapter_id}/members", headers=auth, json={
        "name": "Mo Member", "business": "Mo Cakes", "category": "Baker", "email": "mo@example.com",
        "joined_on": "2021-01-06"})
    csv_file = ("slips.csv", b"Date,Type,From,To\n2024-01-03,CEU,Mo Member,\n")
    refused = await client.post(f"/chapters/{chapter_id}/imports", files={"file": csv_file},
                                headers=bearer(await admin_session(client, ADMIN, chapter_id,
                                                                   member.json()["member_id"])))
    assert refused.status_code == 403
    missing = await client.post(f"/chapters/{chapter_id}/imports", headers=auth,
                                files={"file": ("slips.csv", b"When,Who\n2024-01-03,Mo\n")})
    assert missing.status_code == 422 and "missing column(s) date, slip_type, from" in missing.text
    doubled = await client.post(f"/chapters/{chapter_id}/imports", headers=auth,
                                files={"file": ("slips.csv", b"Date,Type,From,Giver\n")})
    assert doubled.status_code == 422 and "both mean 'from'" in doubled.text
    other = await found(client, name="Elsewhere")
    assert (await client.post(f"/chapters/{other}/imports", headers=auth,
                              files={"file": csv_file})).status_code == 404


async def test_a_retried_upload_with_the_same_idempotency_key_returns_the_first_job(
        client: httpx.AsyncClient) -> None:
    small = generate(seed=12, members=4, weeks=4)
    chapter_id, auth = await leader(client)
    headers = {**auth, "Idempotency-Key": "upload-1"}
    files = {"roster": ("roster.csv", small.roster_csv())}
    first = await client.post(f"/chapters/{chapter_id}/imports", files=files, headers=headers)
    retry = await client.post(f"/chapters/{chapter_id}/imports", files=files, headers=headers)
    other = await client.post(f"/chapters/{chapter_id}/imports", files=files,
                              headers={**auth, "Idempotency-Key": "upload-2"})
    assert first.status_code == retry.status_code == other.status_code == 202
    assert retry.headers["Location"] == first.headers["Location"]
    assert other.headers["Location"] != first.headers["Location"]


async def test_a_job_is_followed_from_any_process_of_the_service_and_a_lost_one_says_so(
        app: Any, client: httpx.AsyncClient, settings: Settings) -> None:
    from services.members.entrypoints.app import create_app
    from tests.e2e.members.conftest import members_config

    small = generate(seed=13, members=5, weeks=6)
    chapter_id, auth = await leader(client)
    started = await client.post(f"/chapters/{chapter_id}/imports", headers=auth,
                                files={"roster": ("roster.csv", small.roster_csv()),
                                       "file": ("slips.csv", small.slips_csv())})
    assert started.status_code == 202, started.text
    # a second process of the members service (another worker or replica) answers for the job
    other = create_app(settings, members_config())
    async with other.router.lifespan_context(other), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other), base_url="http://t") as elsewhere:
        for _ in range(600):
            job = (await elsewhere.get(started.headers["Location"], headers=auth)).json()
            if job["status"] in ("done", "failed"):
                break
            await asyncio.sleep(0.05)
        assert job["status"] == "done", job
        assert statuses(job, "roster") == {"recorded": len(small.roster) - 1} and statuses(job, "slips")["recorded"] > 0
        problems = (await elsewhere.get(started.headers["Location"], params={"rows": "problems"},
                                        headers=auth)).json()
        refused = [r for r in job["result"]["rows"] if r["status"] == "refused"]
        assert refused and problems["result"]["rows"] == refused  # the generated file has a few bad rows

    # a job whose process died mid-way (its heart stopped beating) is reported failed, with what to do
    pool = app.state.service.pool
    await pool.execute("INSERT INTO import_jobs (job_id, chapter_id, started_by, dry_run, files, status, total,"
                       " done, started_at, heartbeat_at) VALUES ('imp-lost', $1, 'pat', false, '{}', 'running',"
                       " 100, 40, now() - interval '10 minutes', now() - interval '5 minutes')", chapter_id)
    lost = (await client.get(f"/chapters/{chapter_id}/imports/imp-lost", headers=auth)).json()
    assert lost["status"] == "failed" and "upload the file again" in lost["error"]
    assert lost["progress"] == {"done": 40, "total": 100, "percent": 40.0}
