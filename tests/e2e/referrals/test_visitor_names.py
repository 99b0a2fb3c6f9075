"""Visitors through the members service's API into the referrals service: the reports count them, and the
referrals database never holds a visitor's name (it is sealed, and erasable, in the members service only)."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import httpx

from services.members.entrypoints.app import create_app as create_members_app
from services.referrals.adapters import schema as schema_module
from services.referrals.adapters.schema import DATA_TABLES, current_schema
from shared.settings import Settings
from tests.e2e.referrals.helpers import auth, running_app, wait_applied
from tests.e2e.sign_in import sign_in

SECRETS = ("Sam Lee", "Lee Plumbing")


async def everything(pool: asyncpg.Pool) -> str:
    """Every row of every table of the live generation, as text."""
    schema = await current_schema(pool)
    texts = [await pool.fetchval(f"SELECT coalesce(string_agg(t::text, ' '), '') FROM {schema}.{table} t")
             for table in DATA_TABLES]
    return " ".join(texts)


async def test_the_reports_count_visitors_whose_names_the_referrals_service_never_holds(settings: Settings) -> None:
    today = date.today()
    members_app = create_members_app(settings)
    admin = auth(settings.admin_token)
    async with members_app.router.lifespan_context(members_app), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=members_app), base_url="http://members") as api, \
            running_app(settings) as (app, client):
        founded = await api.post("/chapters", headers=admin, json={
            "name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
            "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
            "founded_on": (today - timedelta(days=400)).isoformat()})
        cid = founded.json()["chapter_id"]
        added = await api.post(f"/chapters/{cid}/members", headers=admin, json={
            "name": "Ann", "business": "Ann Ltd", "category": "Accountant", "email": "ann@example.com",
            "joined_on": (today - timedelta(days=300)).isoformat()})
        ann = {**added.json(), "token": (await sign_in(api, settings, added.json()["member_id"]))["access_token"]}
        invited = await api.post(f"/chapters/{cid}/visitors", headers=auth(ann["token"]),
                                 json={"visitor_name": "Sam Lee", "business": "Lee Plumbing"})
        assert invited.status_code == 201, invited.text
        visitor_id = invited.json()["visitor_id"]
        attended = await api.post(f"/chapters/{cid}/visitors/{visitor_id}/steps", headers=auth(ann["token"]),
                                  json={"step": "attended"})
        for position in (added.json()["position"], attended.json()["position"]):
            await wait_applied(client, cid, position, settings.admin_token)  # topics arrive in any order
        pool = app.state.service.pool
        stored = await everything(pool)
        assert visitor_id in stored and not any(secret in stored for secret in SECRETS)
        summary = (await client.get(f"/chapters/{cid}/summary", headers=admin)).json()["summary"][0]
        assert summary["visitors"] == 1

        erased = await api.post(f"/chapters/{cid}/visitors/{visitor_id}/erase", headers=auth(ann["token"]))
        assert erased.status_code == 201, erased.text
        await wait_applied(client, cid, erased.json()["position"], settings.admin_token)
        # the figures stay; there was no name to drop
        assert (await client.get(f"/chapters/{cid}/summary", headers=admin)).json()["summary"][0]["visitors"] == 1
        stored = await everything(pool)
        assert visitor_id in stored and not any(secret in stored for secret in SECRETS)


async def test_a_generation_that_copied_visitors_names_loses_them_at_the_next_start(settings: Settings) -> None:
    """A generation created when the referrals service still copied visitors' names (`visitor_name`, in clear):
    the next start drops the column, names and all."""
    async with running_app(settings) as (app, _client):
        pool = app.state.service.pool
        schema = await current_schema(pool)
        await pool.execute(f"ALTER TABLE {schema}.visitors ADD COLUMN visitor_name TEXT")  # as the old code made it
        await pool.execute(f"INSERT INTO {schema}.visitors (visitor_id, chapter_id, invited_by, visitor_name,"
                           " invited_on) VALUES ('v1', 'c1', 'A', 'Sam Lee', '2024-03-06')")
    schema_module._UPGRADED.clear()  # a new process
    async with running_app(settings) as (app, _client):
        pool = app.state.service.pool
        await current_schema(pool)
        columns = {r["column_name"] for r in await pool.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'visitors'",
            schema)}
        assert "visitor_name" not in columns and "invited_on" in columns
        assert "Sam Lee" not in await everything(pool)
        assert await pool.fetchval(f"SELECT count(*) FROM {schema}.visitors") == 1  # the visitor still counts
