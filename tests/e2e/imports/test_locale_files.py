"""A German chapter's history written the way its spreadsheet writes it: BNI-style headers, amounts as
1.234,50 and month names in German, Polish and Spanish; a PALMS summary (totals, no pairs) refused whole."""

from __future__ import annotations

import httpx

from services.members.adapters.slip_files import write_xlsx
from tests.e2e.imports.test_import_history import run_import, statuses
from tests.e2e.members.conftest import ADMIN, bearer
from tests.e2e.sign_in import admin_session


async def test_a_german_chapter_imports_its_own_number_and_date_formats(client: httpx.AsyncClient) -> None:
    founded = await client.post("/chapters", headers=bearer(ADMIN), json={
        "name": "Köln Mitte", "city": "Köln", "region": "NRW", "meeting_weekday": "wednesday",
        "meeting_time": "07:00", "timezone": "Europe/Berlin", "currency": "EUR", "founded_on": "2023-01-04",
        "language": "de"})
    assert founded.status_code == 201, founded.text
    chapter_id = founded.json()["chapter_id"]
    ids = {}
    for name, category in (("Pia Präsidentin", "Anwältin"), ("Ben Bäcker", "Bäcker")):
        added = await client.post(f"/chapters/{chapter_id}/members", headers=bearer(ADMIN), json={
            "name": name, "business": f"{name} GmbH", "category": category,
            "email": f"{name.split()[0].lower()}@example.de", "joined_on": "2023-01-04"})
        assert added.status_code == 201, added.text
        ids[name] = added.json()["member_id"]
    await client.post(f"/chapters/{chapter_id}/members/{ids['Pia Präsidentin']}/role", headers=bearer(ADMIN),
                      json={"role": "president"})
    auth = bearer(await admin_session(client, ADMIN, chapter_id, ids["Pia Präsidentin"]))

    slips = write_xlsx([
        ["Slip Date", "Slip Type", "Giver", "Thank You To", "TYFCB Amount", "Business Type"],
        ["6. März 2024", "TYFCB", "Ben Bäcker", "Pia Präsidentin", "1.234,50 €", "New"],
        ["7 marca 2024", "TYFCB", "Ben Bäcker", "Pia Präsidentin", "1 250,75", "Recurring"],
        ["8 de marzo de 2024", "TYFCB", "Ben Bäcker", "Pia Präsidentin", "1.250", "New"],
        ["9 jui 2024", "TYFCB", "Ben Bäcker", "Pia Präsidentin", "10,00", "New"],
    ])
    job = await run_import(client, chapter_id, auth, slips=("slips.xlsx", slips))
    assert statuses(job, "slips") == {"recorded": 3, "refused": 1}
    [refused] = [r for r in job["result"]["rows"] if r["status"] == "refused"]
    assert refused["field"] == "date" and "jui" in refused["message"]
    listed = (await client.get(f"/chapters/{chapter_id}/closed-business", headers=auth)).json()
    rows = listed["closed_business"] if isinstance(listed, dict) else listed
    # 1.250 in a German chapter is one thousand two hundred and fifty
    assert sorted((r["occurred_on"], r["amount"]) for r in rows) == [
        ("2024-03-06", "1234.50"), ("2024-03-07", "1250.75"), ("2024-03-08", "1250.00")]

    palms = write_xlsx([["First Name", "Last Name", "P", "A", "L", "M", "S", "RGI", "RGO", "RRI", "RRO", "V",
                         "1-2-1", "TYFCB", "CEU"], ["Ben", "Bäcker", 4, 0, 0, 0, 0, 2, 1, 0, 3, 1, 2, "500", 1]])
    summary = await client.post(f"/chapters/{chapter_id}/imports", headers=auth,
                                files={"file": ("palms.xlsx", palms)})
    assert summary.status_code == 422 and "PALMS summary" in summary.text
    after = (await client.get(f"/chapters/{chapter_id}/closed-business", headers=auth)).json()
    assert (after["closed_business"] if isinstance(after, dict) else after) == rows
