"""Years of history from a spreadsheet, imported through the members service, appear in the referrals
service's reports (reciprocity per member and pair, chapter summary, the weekly slip report) exactly as
computed by hand from the spreadsheet's rows, week by week on the days the slips happened."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.referrals.entrypoints.app import create_app as create_referrals_app
from shared.settings import Settings
from tests.e2e.imports.history import FOUNDED, TODAY, History, generate
from tests.e2e.imports.test_import_history import leader, run_import
from tests.e2e.members.conftest import ADMIN, bearer

REFERRAL_TYPES = {"Referral", "referral", "REF"}
CLOSED_TYPES = {"TYFCB", "Closed business"}


@pytest.fixture
async def referrals(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_referrals_app(settings)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://r", timeout=60) as client:
        yield client


def _amount(shown: object) -> Decimal:
    return Decimal(str(shown).replace("£", "").replace(",", ""))


def _by_hand(history: History) -> tuple[Counter[tuple[str, str]], dict[tuple[str, str], Decimal], list[list[Any]]]:
    """Referrals and closed-business value per ordered (giver, receiver) pair by e-mail, from the rows."""
    email = {}
    for name, address in history.emails.items():
        email.update({name: address, name.upper(): address, address: address})
    referrals: Counter[tuple[str, str]] = Counter()
    value: dict[tuple[str, str], Decimal] = {}
    rows = [row for n, row in enumerate(history.slips[1:], start=2) if n not in history.bad_rows]
    for _when, kind, frm, to, *rest in rows:
        if kind in REFERRAL_TYPES:
            referrals[(email[str(frm)], email[str(to)])] += 1
        elif kind in CLOSED_TYPES:  # "From" got the business and thanks "to", the giver credited
            pair = (email[str(to)], email[str(frm)])
            value[pair] = value.get(pair, Decimal(0)) + _amount(rest[2])
    return referrals, value, rows


async def test_imported_years_appear_in_the_reports_as_computed_by_hand(
        client: httpx.AsyncClient, referrals: httpx.AsyncClient) -> None:
    history = generate(seed=23, members=8, weeks=120, bad=False)
    chapter_id, auth = await leader(client)
    await run_import(client, chapter_id, auth, roster=("roster.csv", history.roster_csv()),
                     slips=("slips.csv", history.slips_csv()))
    position = (await client.get("/health")).json()["last_position"]
    admin = bearer(ADMIN)
    window = {"from": FOUNDED.isoformat(), "to": TODAY.isoformat()}
    report = await referrals.get(f"/chapters/{chapter_id}/reciprocity", headers=admin,
                                 params={**window, "min_position": position, "wait_ms": 10_000})
    assert report.status_code == 200, report.text
    assert report.json()["stale"] is False, "the referrals service did not catch up with the import"
    members = (await client.get(f"/chapters/{chapter_id}/members", headers=auth)).json()
    email_of = {m["member_id"]: m["email"] for m in members}
    pair_referrals, pair_value, rows = _by_hand(history)
    assert sum(pair_referrals.values()) > 200 and len(pair_value) > 20  # a history worth checking

    reported_pairs = {(email_of[p["giver_id"]], email_of[p["receiver_id"]]): p for p in report.json()["pairs"]}
    assert {k: p["referrals"] for k, p in reported_pairs.items() if p["referrals"]} == dict(pair_referrals)
    assert {k: Decimal(str(p["value"])) for k, p in reported_pairs.items() if Decimal(str(p["value"]))} \
        == pair_value
    for row in report.json()["members"]:
        mine = email_of[row["member_id"]]
        assert row["given"] == sum(n for (g, _), n in pair_referrals.items() if g == mine), mine
        assert row["received"] == sum(n for (_, r), n in pair_referrals.items() if r == mine), mine
        assert Decimal(str(row["value_given"])) == sum(
            (v for (g, _), v in pair_value.items() if g == mine), Decimal(0)), mine

    summary = (await referrals.get(f"/chapters/{chapter_id}/summary", headers=admin, params=window)).json()
    assert summary["summary"][0]["referrals"] == sum(pair_referrals.values())
    assert Decimal(str(summary["summary"][0]["closed_business_value"])) == sum(pair_value.values())

    # week by week: the weekly report of a week years back counts that week's slips, by the day they happened
    for week_day in (FOUNDED + timedelta(weeks=30), FOUNDED + timedelta(weeks=100)):
        monday = week_day - timedelta(days=week_day.weekday())
        in_week = [r for r in rows if monday <= date.fromisoformat(str(r[0])) <= monday + timedelta(days=6)]
        weekly = (await referrals.get(f"/chapters/{chapter_id}/weekly", headers=admin,
                                      params={"week": week_day.isoformat()})).json()
        given = Counter(m["member_id"] for m in weekly["members"] for _ in range(m["referrals_given"]))
        expected = Counter()
        by_email = {v: k for k, v in email_of.items()}
        email = {n: a for n, a in history.emails.items()} | {n.upper(): a for n, a in history.emails.items()} \
            | {a: a for a in history.emails.values()}
        for r in in_week:
            if r[1] in REFERRAL_TYPES:
                expected[by_email[email[str(r[2])]]] += 1
        assert given == expected and sum(expected.values()) > 0, week_day
        assert weekly["totals"][0]["referrals_given"] == sum(expected.values())
        # keyed in years after they happened: the report says how late these figures are
        assert weekly["totals"][0]["slips_recorded_late"] == weekly["totals"][0]["slips"] > 0
