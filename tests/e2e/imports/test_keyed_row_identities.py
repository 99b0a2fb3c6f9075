"""Imported rows' identities (and the slip ids derived from them, which outlive a prospect's erasure) are
keyed by the chapter's secret: nobody can confirm a guessed prospect from an id, yet a re-import of the
same file, also one imported before the secrets, records nothing twice."""

from __future__ import annotations

import hashlib
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from services.members.adapters import chapter_secrets
from services.members.adapters.slip_files import read_slips
from services.members.config import parse_keks
from services.members.service_layer.imports import history
from services.members.service_layer.imports.cells import row_identities, unkeyed_row_identities
from tests.e2e.imports.test_import_history import last_position, run_import, statuses
from tests.e2e.members.conftest import ADMIN, DATA_KEKS, bearer, found

ROSTER = (b"Name,Business Name,Category,E-mail,Joined\n"
          b"Priya Shah,Shah & Co,Accountant,priya@shahco.example,2021-02-03\n"
          b"Tom Baker,Petal Works,Florist,tom@petalworks.example,2021-02-03\n")
SLIPS = (b"Date,Slip Type,From,Thank you to,Inside/Outside,Temp,Prospect,Prospect phone,Prospect e-mail,Comments\n"
         b"2021-03-03,Referral,Priya Shah,Tom Baker,outside,4,Jo Bloggs,+44 7700 900123,jo@bakery.example,\n"
         b"2021-04-07,Referral,Tom Baker,Priya Shah,inside,3,Al Baker,+44 7700 900456,al@ovens.example,\n"
         b"2021-07-07,CEU,Priya Shah,,,,,,,Podcast\n")
AUTH = bearer(ADMIN)


async def imported(client: httpx.AsyncClient, chapter_id: str, dry_run: bool = False) -> dict[str, Any]:
    return await run_import(client, chapter_id, AUTH, roster=("roster.csv", ROSTER), slips=("slips.csv", SLIPS),
                            dry_run=dry_run)


def identities(job: dict[str, Any]) -> list[str]:
    return [r["row_id"].removeprefix("slip-") for r in job["result"]["rows"] if r["file"] == "slips"]


async def test_an_identity_needs_the_chapters_secret_and_a_reimport_records_nothing(
        app: FastAPI, client: httpx.AsyncClient) -> None:
    pool: asyncpg.Pool = app.state.service.pool
    rows = read_slips(SLIPS, "slips.csv").rows
    a, b = await found(client, founded_on="2021-01-06"), await found(client, "Other", founded_on="2021-01-06")
    first, other = await imported(client, a), await imported(client, b)
    ids = identities(first)
    assert statuses(first, "slips") == {"recorded": 3}
    referral_ids = [r["recorded"]["referral_id"] for r in first["result"]["rows"] if r.get("kind") == "referral"]
    assert referral_ids == [f"r-i{i}" for i in ids[:2]]
    # not the plain SHA-256 of the row (nor of the prospect's fields): a guess confirms nothing
    assert set(ids).isdisjoint(unkeyed_row_identities(a, "slips", rows))
    for guess in ("Jo Bloggs+44 7700 900123jo@bakery.example", "Jo Bloggs|+44 7700 900123|jo@bakery.example"):
        assert hashlib.sha256(guess.encode()).hexdigest()[:24] not in ids
    assert set(ids).isdisjoint(identities(other)), "another chapter, another secret"
    # the secret is stored wrapped: the stored bytes are not it; unwrapped with the KEK it gives the identities
    stored = await pool.fetchrow("SELECT secret, kek_id FROM chapter_secrets WHERE chapter_id = $1", a)
    assert stored["kek_id"] == "test-1"
    assert row_identities(a, "slips", rows, secret=bytes(stored["secret"])) != ids
    secret = parse_keks(DATA_KEKS).unwrap("test-1", bytes(stored["secret"]), f"chapter-secret:{a}")
    assert row_identities(a, "slips", rows, secret=secret) == ids
    # the same file again: stable identities, nothing recorded twice
    before = await last_position(client)
    again = await imported(client, a)
    assert identities(again) == ids
    assert statuses(again, "slips") == {"already imported": 3} and statuses(again, "roster") == {
        "already imported": 2}
    assert await last_position(client) == before
    # forgotten with the chapter's import history, the identities can never be recomputed
    await chapter_secrets.forget(pool, a)
    dry = await imported(client, a, dry_run=True)
    assert set(identities(dry)).isdisjoint(ids)
    assert await pool.fetchval("SELECT count(*) FROM chapter_secrets WHERE chapter_id = $1", a) == 0, \
        "a dry run writes nothing, not even a secret"
    assert await last_position(client) == before


async def test_a_file_imported_before_chapters_had_secrets_is_still_recognised(
        client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    chapter_id = await found(client, founded_on="2021-01-06")
    with monkeypatch.context() as earlier_version:  # as the import was before keyed identities
        earlier_version.setattr(history, "row_identities",
                                lambda chapter, file, rows, secret: unkeyed_row_identities(chapter, file, rows))
        first = await imported(client, chapter_id)
    assert statuses(first, "slips") == {"recorded": 3}
    before = await last_position(client)
    again = await imported(client, chapter_id)
    assert statuses(again, "slips") == {"already imported": 3}
    assert set(identities(again)).isdisjoint(identities(first)), "new identities are keyed"
    assert await last_position(client) == before
