"""Hostile input refused or defused: formulas in CSV exports, out-of-range query parameters, tokens in URLs."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from services.members.entrypoints.app import create_app as create_members_app
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    auth,
    chapter,
    joined,
    referral,
    running_app,
    token,
    wait_applied,
)
from tests.e2e.sign_in import sign_in

FORMULA = '=HYPERLINK("http://evil.example","x")'


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_a_formula_typed_as_a_name_is_shown_not_run_in_csv_exports(settings: Settings) -> None:
    """A member named like a spreadsheet formula, added through the members service's API: in the CSV
    exports the name starts with `'` (shown as text), the JSON keeps it as typed, and numbers the service
    computed (a negative reciprocity index) stay numbers."""
    today = date.today()
    members_app = create_members_app(settings)
    admin = auth(settings.admin_token)
    async with members_app.router.lifespan_context(members_app), \
            httpx.AsyncClient(transport=httpx.ASGITransport(app=members_app), base_url="http://members") as api, \
            running_app(settings) as (_app, client):
        founded = await api.post("/chapters", headers=admin, json={
            "name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
            "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
            "founded_on": (today - timedelta(days=400)).isoformat()})
        assert founded.status_code == 201, founded.text
        cid = founded.json()["chapter_id"]
        people = {}
        for n, (name, business, category) in enumerate(((FORMULA, "@SUM(A1:A9)", "-2+3"),
                                                        ("Ann", "Ann Ltd", "Accountant"))):
            added = await api.post(f"/chapters/{cid}/members", headers=admin, json={
                "name": name, "business": business, "category": category, "email": f"m{n}@example.com",
                "joined_on": (today - timedelta(days=300)).isoformat()})
            assert added.status_code == 201, added.text
            people[name] = {**added.json(),
                            "token": (await sign_in(api, settings, added.json()["member_id"]))["access_token"]}
        given = await api.post(f"/chapters/{cid}/referrals", headers=auth(people["Ann"]["token"]), json={
            "receiver_id": people[FORMULA]["member_id"], "referral_type": "outside", "temperature": 4,
            "prospect": {"name": "Jo Bloggs"}})
        assert given.status_code == 201, given.text
        for position in (given.json()["position"], *(p["position"] for p in people.values())):
            await wait_applied(client, cid, position, settings.admin_token)  # topics arrive in any order

        evil = people[FORMULA]["member_id"]
        reciprocity = await client.get(f"/chapters/{cid}/reciprocity.csv", headers=admin)
        row = next(r for r in table(reciprocity.text) if r["member_id"] == evil)
        assert row["member_name"] == "'" + FORMULA and row["business"] == "'@SUM(A1:A9)"
        assert Decimal(row["index"]) == -1  # received one, gave none: a number, not neutralised text
        pairs = table((await client.get(f"/chapters/{cid}/reciprocity.csv", params={"table": "pairs"},
                                        headers=admin)).text)
        assert [p["receiver_name"] for p in pairs] == ["'" + FORMULA]
        lights = table((await client.get(f"/chapters/{cid}/traffic-lights.csv", headers=admin)).text)
        assert "'" + FORMULA in {r["member_name"] for r in lights}
        assert not any(cell.startswith(("=", "+", "-", "@")) and not _number(cell)
                       for text in (reciprocity.text,) for r in table(text) for cell in r.values())
        # the JSON is for programs: the name as typed
        body = (await client.get(f"/chapters/{cid}/reciprocity", headers=admin)).json()
        assert {m["member_name"] for m in body["members"]} == {FORMULA, "Ann"}


def _number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


BAD_PARAMETERS = [
    ("referrals", "limit", "-1"), ("referrals", "limit", "0"), ("referrals", "limit", "10001"),
    ("referrals", "offset", "-1"), ("referrals", "offset", str(2**63)), ("referrals", "temperature", "9"),
    ("referrals", "temperature", str(2**40)), ("summary", "wait_ms", "-5"), ("summary", "wait_ms", "10001"),
    ("summary", "min_position", "-1"), ("summary", "min_position", str(2**64)), ("weekly", "wait_ms", "abc"),
]


async def test_out_of_range_query_parameters_are_named_in_a_422_never_a_500(settings: Settings) -> None:
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(chapter("c1"), joined("c1", "A"), joined("c1", "B"),
                                 referral("c1", "r1", "A", "B", date.today()))
        await wait_applied(client, "c1", last, settings.admin_token)
        admin = auth(settings.admin_token)
        before = (await client.get("/chapters/c1/referrals", headers=admin)).json()
        for report, parameter, value in BAD_PARAMETERS:
            r = await client.get(f"/chapters/c1/{report}", params={parameter: value}, headers=admin)
            assert r.status_code == 422, (parameter, value, r.status_code, r.text)
            assert [e["loc"] for e in r.json()["detail"]] == [["query", parameter]], r.text
        # in range: answered, and the ledger is as it was
        assert (await client.get("/chapters/c1/referrals", params={"limit": 10000, "offset": 0},
                                 headers=admin)).json()["referrals"] == before["referrals"]
        assert (await client.get("/chapters/c1/referrals", params={"offset": 1},
                                 headers=admin)).json()["referrals"] == []


@pytest.mark.parametrize("path", ["/chapters/c1/summary", "/chapters/c1/reciprocity.csv", "/chapters/c1/stream",
                                  "/regions/north"])
async def test_a_token_in_the_url_is_refused(settings: Settings, path: str) -> None:
    """URLs end up in logs, browser history and Referer headers: tokens go in the Authorization header."""
    leader = token(settings, "A", "c1", "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(chapter("c1"), joined("c1", "A", role="president"))
        await wait_applied(client, "c1", last, settings.admin_token)
        refused = await client.get(path, params={"token": leader})
        assert refused.status_code == 401, refused.text
        assert (await client.get(path.replace("/stream", "/summary"), headers=auth(leader))).status_code == 200


async def test_the_dashboard_page_is_a_shell_with_no_data_no_token_and_nothing_inline(settings: Settings) -> None:
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        last = await feed.record(chapter("c1"), joined("c1", "A", role="president"))
        await wait_applied(client, "c1", last, settings.admin_token)
        page = await client.get("/chapters/c1/dashboard")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "style-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["referrer-policy"] == "no-referrer"
        # one policy, the page's own: it may also call the members service (to renew its session), named in
        # a meta element (no inline script)
        assert len(page.headers.get_list("content-security-policy")) == 1
        members = settings.members_public_url.rstrip("/")
        assert f"connect-src 'self' {members};" in page.headers["content-security-policy"]
        assert f'<meta name="refnet-members" content="{members}">' in page.text
        assert "connect-src 'self';" in (await client.get("/health")).headers["content-security-policy"]
        html = page.text
        assert "<style" not in html and not re.search(r"\s(style|on\w+)=", html)
        assert all('src="/static/' in tag for tag in html.split("<script")[1:])  # no inline script
        assert "Member A" not in html and "c1" not in html  # nothing of the chapter: the script asks for it
        # the same page for a chapter that does not exist: a shell tells nobody which chapters there are
        assert (await client.get("/chapters/nope/dashboard")).text == html
        for asset, kind in (("dashboard.js", "javascript"), ("dashboard.css", "text/css")):
            served = await client.get(f"/static/{asset}")
            assert served.status_code == 200 and kind in served.headers["content-type"]
        # an old link with a token in the query is refused, saying to sign in instead; no token in the page
        for name in ("token", "access_token"):
            old = await client.get("/chapters/c1/dashboard", params={name: settings.admin_token})
            assert old.status_code == 401 and "sign in" in old.text and settings.admin_token not in old.text
        script = (await client.get("/static/dashboard.js")).text
        words = set(re.findall(r"\w+(?:\.\w+)?", script))  # the page keeps no token and sends none itself
        assert not {"Authorization", "sessionStorage", "localStorage", "location.hash"} & words
