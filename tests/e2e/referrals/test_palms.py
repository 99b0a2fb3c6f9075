"""The PALMS report in the printed layout, for a week and a month, as JSON, CSV and an Excel workbook read
back with openpyxl; the figures worked out by hand from the weekly report's scripted Tokyo week."""

from __future__ import annotations

import io
from datetime import date as d
from typing import Any

import openpyxl

from shared.contracts import members as m
from shared.settings import Settings
from tests.e2e.referrals.helpers import MembersFeed, auth, running_app, token, wait_applied
from tests.e2e.referrals.test_weekly import C, record_week

COLUMNS = ["P", "A", "L", "M", "S", "RGI", "RGO", "RRI", "RRO", "V", "1-2-1", "TYFCB", "CEU"]
#               P  A  L  M  S RGI RGO RRI RRO V 121 TYFCB    CEU
WEEK = {"A": [1, 0, 0, 0, 0, 1, 1, 0, 2, 1, 1, "120.50", 2],   # r1 inside, r2 out; gets r3 (tier-3), r4
        "B": [0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 1, "500.00", 1],   # r3; gets r1; thanked A for 500
        "C": [0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1, "0", 0],        # r4; gets r2
        "D": [0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, "0", 0],        # cb3 disputed: left out
        "P": [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, "0", 0],
        None: [2, 1, 1, 0, 1, 1, 3, 1, 3, 1, 4, "620.50", 3]}
HOSTILE = '=HYPERLINK("http://evil.example/","click")'


def figures(row: dict[str, Any]) -> list[Any]:
    return [row[c] for c in COLUMNS]


async def test_palms_week_and_month_in_json_csv_and_xlsx(settings: Settings) -> None:
    leader = token(settings, "P", C, "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        await record_week(feed)
        await feed.record(m.MemberJoined(chapter_id=C, member_id="Z", member_name=HOSTILE, business="Z",
                                         category="z", email="z@example.org", joined_on=d(2024, 3, 1)))
        await wait_applied(client, C, feed.positions, leader)

        week = await client.get(f"/chapters/{C}/palms", params={"day": "2024-03-07"}, headers=auth(leader))
        assert week.status_code == 200, week.text
        rep = week.json()
        assert rep["period"] == {"from": "2024-03-04", "to": "2024-03-10"} and rep["currency"] == "JPY"
        rows = {r["member_id"]: r for r in rep["palms"]}
        assert rows[None]["member_name"] == "Total" and rep["palms"][-1]["member_id"] is None
        assert {k: figures(rows[k]) for k in WEEK} == {k: [*v[:11], v[11], v[12]] for k, v in WEEK.items()}
        assert figures(rows["Z"]) == [0] * 11 + ["0", 0]

        # March: r0 (1 March) and r5 (11 March) too, both A to B, outside
        month = (await client.get(f"/chapters/{C}/palms", params={"period": "month", "day": "2024-03-20"},
                                  headers=auth(leader))).json()
        assert month["period"] == {"from": "2024-03-01", "to": "2024-03-31"}
        mrows = {r["member_id"]: r for r in month["palms"]}
        assert (mrows["A"]["RGO"], mrows["B"]["RRO"], mrows["B"]["RRI"], mrows[None]["RGO"]) == (3, 2, 1, 5)

        csv = await client.get(f"/chapters/{C}/palms.csv", params={"day": "2024-03-07"}, headers=auth(leader))
        header, *lines = csv.text.splitlines()
        assert header == "member_id,member_name,business," + ",".join(COLUMNS)
        assert "A,Member A,A Ltd,1,0,0,0,0,1,1,0,2,1,1,120.50,2" in lines
        assert any(line.startswith('Z,"\'=HYPERLINK') for line in lines)  # shown, never run

        xlsx = await client.get(f"/chapters/{C}/palms.xlsx", params={"day": "2024-03-07"}, headers=auth(leader))
        assert xlsx.status_code == 200
        assert xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content))["palms"]
        cells = [[c.value for c in row] for row in sheet.iter_rows()]
        assert cells[0] == ["member_id", "member_name", "business", *COLUMNS]
        assert ["A", "Member A", "A Ltd", 1, 0, 0, 0, 0, 1, 1, 0, 2, 1, 1, 120.5, 2] in cells
        assert cells[-1][1:4] == ["Total", "6 members", 2] and cells[-1][-2:] == [620.5, 3]
        [hostile] = [row for row in sheet.iter_rows() if row[0].value == "Z"]
        assert hostile[1].value == HOSTILE and hostile[1].data_type == "s"  # text, not a formula

        bad = await client.get(f"/chapters/{C}/palms", params={"period": "year"}, headers=auth(leader))
        assert bad.status_code == 422 and "period" in bad.text
        member = await client.get(f"/chapters/{C}/palms", headers=auth(token(settings, "A", C)))
        assert member.status_code == 403
