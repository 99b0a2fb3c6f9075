"""Chapter traffic lights through real Kafka and PostgreSQL: two chapters of a region scored by hand and
ranked; a chapter that chose the completed-months window gets its lights (and its members') over the six
calendar months before this one."""

from __future__ import annotations

from datetime import date as d
from typing import Any

from shared.contracts import members as m
from shared.settings import Settings
from tests.e2e.referrals.helpers import (
    MembersFeed,
    attendance,
    auth,
    chapter,
    joined,
    referral,
    running_app,
    token,
    visitor,
    wait_applied,
)

WINDOW = {"from": "2024-01-01", "to": "2024-06-30"}  # 182 days (a leap year): 26 weeks


def history() -> list[Any]:
    """`strong`: 4 members before the window, 2 join in it, none leave; 26 referrals; 2 visitors, 1 joined;
    8 meetings marked P, L, S, M, A... `weak`: 4 members, 2 leave, 1 referral, nothing else."""
    events: list[Any] = [chapter("strong", region="kanto"), chapter("weak", region="kanto"),
                         chapter("elsewhere", region="other")]
    events += [joined("strong", x, d(2023, 6, 1)) for x in ("s1", "s2", "s3", "s4")]
    events += [joined("strong", "s5", d(2024, 2, 1)), joined("strong", "s6", d(2024, 5, 1))]
    events += [referral("strong", f"sr{i}", "s1" if i % 2 else "s2", "s3", d(2024, 1, 3 + i)) for i in range(26)]
    events += visitor("strong", "v1", "s1", d(2024, 1, 10)) + visitor("strong", "v2", "s2", d(2024, 3, 6))
    events.append(m.VisitorBecameMember(chapter_id="strong", visitor_id="v1", invited_by="s1", member_id="s5",
                                        occurred_on=d(2024, 2, 1)))
    for day, marks in ((d(2024, 1, 10), "PPPP"), (d(2024, 1, 17), "PLSM"), (d(2024, 1, 24), "PPPA")):
        events += [attendance("strong", f"s{i + 1}", day, mark) for i, mark in enumerate(marks)]
    events += [joined("weak", x, d(2023, 6, 1)) for x in ("w1", "w2", "w3", "w4")]
    events += [m.MemberLeft(chapter_id="weak", member_id=x, left_on=d(2024, 3, 1)) for x in ("w3", "w4")]
    events.append(referral("weak", "wr1", "w1", "w2", d(2024, 2, 2)))
    events.append(joined("strong", "boss", d(2023, 1, 1), role="president"))
    return events


async def test_chapters_are_scored_and_ranked_by_their_lights(settings: Settings) -> None:
    leader = token(settings, "boss", "strong", "president")
    async with MembersFeed(settings) as feed, running_app(settings) as (_app, client):
        await feed.record(*history())
        await wait_applied(client, "strong", feed.positions, settings.admin_token)

        r = await client.get("/chapters/strong/chapter-light", params=WINDOW, headers=auth(leader))
        assert r.status_code == 200, r.text
        [light] = r.json()["chapter_light"]
        # members: 5 before (s1-s4, boss), 7 at the end, all 5 stayed; attendance: P P P P P L S P P P A
        # (M left out) = 10 of 11; 2 visitors attended, 1 joined
        assert (light["members_at_start"], light["size"], light["growth"], light["retention"]) == (5, 7, 2, "1.0000")
        assert (light["attendance"], light["visitors"], light["conversion"]) == ("0.9091", "0.0769", "0.5000")
        # 26 referrals / (6 members on average * 26 weeks) = 0.1667 a member a week
        assert light["referrals"] == "0.1667"
        # size 7/25 * 15 = 4.2; growth 2/3 * 10 = 6.7; retention 15; referrals 0.1667/0.5 * 20 = 6.7;
        # visitors 0.0769 * 15 = 1.2; conversion 10; attendance 0.9091/0.95 * 15 = 14.4
        assert [light[f"points_{a}"] for a in ("size", "growth", "retention", "referrals", "visitors",
                                               "conversion", "attendance")] == [
            "4.2", "6.7", "15.0", "6.7", "1.2", "10.0", "14.4"]
        assert (light["score"], light["colour"]) == ("58.2", "yellow")

        ranked = await client.get("/regions/kanto/lights", params=WINDOW, headers=auth(leader))
        assert ranked.status_code == 200, ranked.text
        rows = ranked.json()["chapters"]
        assert [(c["rank"], c["chapter_id"]) for c in rows] == [(1, "strong"), (2, "weak")]
        weak = rows[1]
        # weak: 4 before, 2 at the end, 2 stayed: size 1.2, growth 0, retention 0.5/0.8 * 15 = 9.4,
        # 1 referral / (3 * 26) = 0.0128 → 0.5; nothing else
        assert (weak["growth"], weak["score"], weak["colour"]) == (-2, "11.1", "grey")
        csv = await client.get("/regions/kanto/lights.csv", params=WINDOW, headers=auth(leader))
        assert csv.text.splitlines()[0].startswith("rank,chapter_id,chapter_name")
        assert (await client.get("/regions/other/lights", headers=auth(leader))).status_code == 404

        # the chapter chooses the completed months: on 10 July 2024 that is January to June
        member = token(settings, "s1", "strong")
        put = await client.put("/chapters/strong/report-settings", json={"lights_window": "completed"},
                               headers=auth(member))
        assert put.status_code == 403
        bad = await client.put("/chapters/strong/report-settings", json={"lights_window": "yearly"},
                               headers=auth(leader))
        assert bad.status_code == 422 and "lights_window" in bad.text
        assert (await client.get("/chapters/strong/report-settings", headers=auth(member))).json() == {
            "lights_window": "rolling"}
        put = await client.put("/chapters/strong/report-settings", json={"lights_window": "completed"},
                               headers=auth(leader))
        assert put.status_code == 200
        completed = (await client.get("/chapters/strong/chapter-light", params={"to": "2024-07-10"},
                                      headers=auth(leader))).json()
        assert completed["window"] == {"from": "2024-01-01", "to": "2024-06-30"}
        card = (await client.get("/chapters/strong/members/s1/scorecard", params={"to": "2024-07-10"},
                                 headers=auth(member))).json()
        assert card["window"] == {"from": "2024-01-01", "to": "2024-06-30"}
        rolling = (await client.get("/chapters/strong/traffic-lights", params={"to": "2024-07-10",
                                                                                "window_kind": "rolling"},
                                    headers=auth(leader))).json()
        assert rolling["window"]["to"] == "2024-07-10"
        refused = await client.get("/chapters/strong/chapter-light", params={"from": "2024-01-01"},
                                   headers=auth(leader))
        assert refused.status_code == 422 and "from" in refused.text
