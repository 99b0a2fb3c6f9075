"""Lighthouse (npm, `bench/lighthouse/package-lock.json`) on the member app and the leaders' dashboard, mobile
settings (Lighthouse's default form factor: a mid-range phone on a slow 4G link, simulated), in Debian's
Chromium. `make lighthouse`, or `python -m bench.lighthouse` after `npm ci` in bench/lighthouse.

Starts the members and referrals services (and the local Kafka and PostgreSQL if no servers are named), founds
a chapter with a year's worth of slips, signs its president in through the app with a real sign-in link
(cookies), and measures in that browser:
- the app signed in (its record screen), a returning visit: the service worker and the cookies are kept;
- the leaders' dashboard, signed in by the same cookies (and, for the dashboard of earlier versions, the
  session's tokens in the URL fragment);
- the app's sign-in screen on a first visit (storage cleared, nothing cached).
Prints performance / accessibility / best practices, whether Chromium finds the app installable (no
installability errors, `Page.getInstallabilityErrors`), and the bytes transferred; appends them to
bench/RESULTS.md.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import random
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.servers import ADMIN, SECRETS, drop_database, machine, serve, servers, wait_healthy
from infra.processes import free_port
from shared.contracts.access import SignInLinkRequested
from shared.settings import with_database
from shared.sign_in_links import open_link

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices")
NAMES = ["Pat", "Ann", "Bob", "Cy", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kim"]


async def chapter(members: str) -> tuple[str, dict[str, str], dict[str, Any]]:
    """A chapter, its members, a few weeks of referrals; Pat its president. (chapter id, ids, Pat's API session)"""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    today = datetime.date.today()
    async with httpx.AsyncClient(base_url=members, timeout=30) as api:
        founded = await api.post("/chapters", headers=admin, json={
            "name": "Riverside Connectors", "city": "Leeds", "region": "Yorkshire", "meeting_weekday": "wednesday",
            "meeting_time": "07:00", "timezone": "Europe/London", "currency": "GBP",
            "founded_on": (today - datetime.timedelta(days=400)).isoformat()})
        founded.raise_for_status()
        cid = founded.json()["chapter_id"]
        ids, tokens = {}, {}
        for n, name in enumerate(NAMES):
            added = await api.post(f"/chapters/{cid}/members", headers=admin, json={
                "name": name, "business": f"{name}'s Business", "category": f"Category {n}",
                "email": f"{name.lower()}@example.org",
                "joined_on": (today - datetime.timedelta(days=300)).isoformat()})
            added.raise_for_status()
            ids[name] = added.json()["member_id"]
        (await api.post(f"/chapters/{cid}/members/{ids['Pat']}/role", headers=admin,
                        json={"role": "president"})).raise_for_status()
        for name, mid in ids.items():
            opened = await api.post(f"/chapters/{cid}/members/{mid}/sessions", headers=admin, json={"device": "bench"})
            opened.raise_for_status()
            tokens[name] = opened.json()
        rng = random.Random(7)
        for _ in range(120):
            giver, receiver = rng.sample(NAMES, 2)
            day = today - datetime.timedelta(days=rng.randrange(0, 170))
            given = await api.post(f"/chapters/{cid}/referrals",
                                   headers={"Authorization": f"Bearer {tokens[giver]['access_token']}"},
                                   json={"receiver_id": ids[receiver], "referral_type": "outside",
                                         "temperature": rng.randint(1, 5), "prospect": {"name": "A Prospect"},
                                         "occurred_on": day.isoformat()})
            given.raise_for_status()
        return cid, ids, tokens["Pat"]


async def sign_in_link(members: str, database: str, member_id: str, email: str) -> str:
    """The link the member is e-mailed after asking for one (read where the notifications service reads it)."""
    conn = await asyncpg.connect(database)
    try:
        async with httpx.AsyncClient(base_url=members) as api:
            (await api.post("/sign-in", json={"email": email})).raise_for_status()
        for _ in range(200):
            row = await conn.fetchrow("SELECT data FROM events WHERE type = $1 AND data->>'member_id' = $2 AND "
                                      "data->>'purpose' = 'sign-in' ORDER BY position DESC LIMIT 1",
                                      SignInLinkRequested.type_name(), member_id)
            if row is not None:
                event = SignInLinkRequested.model_validate_json(row["data"])
                return open_link([SECRETS["REFNET_TOKEN_SECRET"]], event.link)
            await asyncio.sleep(0.05)
        raise TimeoutError("no sign-in link was recorded")
    finally:
        await conn.close()


def lighthouse(url: str, port: int, keep_storage: bool) -> dict[str, Any]:
    out = Path(tempfile.mkdtemp()) / "report.json"
    command = ["node", str(HERE / "node_modules" / "lighthouse" / "cli" / "index.js"), url, f"--port={port}",
               "--output=json", f"--output-path={out}", f"--only-categories={','.join(CATEGORIES)}", "--quiet"]
    if keep_storage:
        command.append("--disable-storage-reset")
    subprocess.run(command, check=True, timeout=300, env={**os.environ, "CHROME_PATH": CHROMIUM})
    report: dict[str, Any] = json.loads(out.read_text())
    shutil.rmtree(out.parent, ignore_errors=True)
    return report


def figures(name: str, report: dict[str, Any]) -> str:
    scores = " / ".join(f"{c} {round((report['categories'][c]['score'] or 0) * 100)}" for c in CATEGORIES)
    audits = report["audits"]
    transferred = audits["total-byte-weight"]["numericValue"] / 1024
    requests = len((audits.get("network-requests", {}).get("details") or {}).get("items", []))
    failing = [a["id"] for a in audits.values() if a.get("score") is not None and a["score"] < 0.9
               and a.get("scoreDisplayMode") == "binary"]
    if "bf-cache" in failing:  # why the page may not come back from the back/forward cache
        reasons = {str(item.get("reason", "")) for item in (audits["bf-cache"].get("details") or {}).get("items", [])}
        if all("disabled by" in r for r in reasons):  # Playwright's Chromium runs with it switched off
            failing[failing.index("bf-cache")] = "bf-cache (not measured: disabled in the driving browser)"
        else:
            failing[failing.index("bf-cache")] = f"bf-cache ({'; '.join(sorted(reasons))})"
    line = (f"{name}: {scores}; transferred {transferred:.1f} KiB in {requests} requests; "
            f"FCP {audits['first-contentful-paint']['displayValue']}, "
            f"LCP {audits['largest-contentful-paint']['displayValue']}")
    return line + (f"; failing audits: {', '.join(failing)}" if failing else "")


async def measure(members: str, referrals: str, database: str) -> list[str]:
    from playwright.async_api import async_playwright

    cid, ids, pat = await chapter(members)
    link = await sign_in_link(members, database, ids["Pat"], "pat@example.org")
    debugging = free_port(19222)
    profile = tempfile.mkdtemp(prefix="refnet-lighthouse-")
    lines = []
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", f"--remote-debugging-port={debugging}", "--disable-background-networking"])
            page = await browser.new_page()
            await page.goto(link)  # the app exchanges the code: the session's cookies are in this profile now
            await page.wait_for_url("**/app/record")
            await page.wait_for_function("navigator.serviceWorker.controller !== null || true")
            cdp = await browser.new_cdp_session(page)
            errors = (await cdp.send("Page.getInstallabilityErrors"))["installabilityErrors"]
            manifest = await cdp.send("Page.getAppManifest")
            installable = "installable (no installability errors)" if not errors else \
                f"NOT installable: {', '.join(e['errorId'] for e in errors)}"
            lines.append(f"member app PWA: {installable}; manifest {manifest['url'].rsplit('/', 1)[-1]}")
            await page.goto(f"{members}/app/score")
            await page.wait_for_selector(".light", timeout=30_000)
            app = lighthouse(f"{members}/app/record", debugging, keep_storage=True)
            lines.append(figures("member app, signed in (record screen)", app))
            score = lighthouse(f"{members}/app/score", debugging, keep_storage=True)
            lines.append(figures("member app, signed in (scorecard)", score))
            dashboard = lighthouse(f"{referrals}/chapters/{cid}/dashboard#token={pat['access_token']}"
                                   f"&refresh={pat['refresh_token']}", debugging, keep_storage=True)
            lines.append(figures("leaders' dashboard", dashboard))
            cold = lighthouse(f"{members}/app/", debugging, keep_storage=False)
            lines.append(figures("member app, first visit (sign-in screen, nothing cached)", cold))
            await browser.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return lines


async def main() -> None:
    if not (HERE / "node_modules" / "lighthouse").exists():
        raise SystemExit("Lighthouse is not installed: run `make lighthouse` (or `npm ci` in bench/lighthouse)")
    kafka, server = servers()
    prefix = f"bench{uuid.uuid4().hex[:6]}"
    databases = {s: with_database(server, f"{prefix}_{s}") for s in ("members", "referrals")}
    ports = {"members": free_port(18601), "referrals": free_port(18602)}
    members, referrals = (f"http://127.0.0.1:{ports[s]}" for s in ("members", "referrals"))
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": kafka, "DATABASE_URL": server, "REFNET_TOPIC_PREFIX": prefix,
           "MEMBERS_DATABASE_URL": databases["members"], "REFERRALS_DATABASE_URL": databases["referrals"],
           "REFNET_MEMBERS_PUBLIC_URL": members, "REFNET_REFERRALS_PUBLIC_URL": referrals,
           "REFNET_DASHBOARD_ORIGINS": referrals, **SECRETS}
    procs = [serve(s, p, env) for s, p in ports.items()]
    try:
        await wait_healthy(members, procs[0])
        await wait_healthy(referrals, procs[1])
        lines = await measure(members, referrals, databases["members"])
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=30)
        for url in databases.values():
            await drop_database(url)
    print("\n".join(lines))
    with (HERE.parent / "RESULTS.md").open("a") as results:
        results.write(f"\n## {datetime.date.today().isoformat()} — lighthouse — {machine()}\n\n"
                      f"Lighthouse 12.8.2, mobile (simulated slow 4G, 4x CPU slowdown), Debian's Chromium.\n\n```\n"
                      + "\n".join(lines) + "\n```\n")


if __name__ == "__main__":
    asyncio.run(main())
