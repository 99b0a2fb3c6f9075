"""A realistic multi-year chapter history (roster + slips), generated from a fixed seed, with the figures
computed by hand alongside, so an import can be checked against them."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from services.members.adapters.slip_files import write_xlsx

TODAY = date(2025, 6, 30)
FOUNDED = date(2020, 1, 8)
CATEGORIES = ["Accountant", "Florist", "Estate agent", "Solicitor", "Printer", "IT support", "Photographer",
              "Electrician", "Plumber", "Mortgage broker", "Insurance broker", "Web designer", "Caterer",
              "Personal trainer", "Architect", "Dentist", "Financial planner", "Signage"]
FIRST = ["Alice", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Isla", "Jonah", "Kira", "Leo",
         "Maya", "Nikhil", "Olivia", "Pavel", "Quinn", "Rosa"]
LAST = ["Adams", "Brooks", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jones", "Khan",
        "Lopez", "Murphy", "Novak", "Okafor", "Patel", "Quist", "Reyes"]
ROSTER_HEADER: list[object] = ["Name", "Business Name", "Category", "E-mail", "Joined"]
SLIP_HEADER: list[object] = ["Date", "Slip Type", "From", "Thank you to", "Inside/Outside", "Temp", "TYFCB",
                             "New/Repeat", "Comments"]


@dataclass
class Expected:
    referrals_given: Counter[str] = field(default_factory=Counter)
    referrals_received: Counter[str] = field(default_factory=Counter)
    thanked_amount: dict[str, Decimal] = field(default_factory=dict)
    closed_business: int = 0
    one_to_ones: set[tuple[str, str, date]] = field(default_factory=set)
    one_to_ones_of: Counter[str] = field(default_factory=Counter)
    ceu_credits: Counter[str] = field(default_factory=Counter)
    visitors: Counter[str] = field(default_factory=Counter)
    recorded_rows: int = 0
    same_meeting_rows: int = 0
    """Rows reporting a one-to-one already in the file (the other member's report): recorded once."""


@dataclass
class History:
    roster: list[list[object]]
    slips: list[list[object]]
    expected: Expected
    bad_rows: dict[int, str]
    """Spreadsheet row number -> a word the refusal message must contain."""
    emails: dict[str, str]

    def roster_csv(self) -> bytes:
        return _csv(self.roster)

    def slips_csv(self) -> bytes:
        return _csv(self.slips)

    def roster_xlsx(self) -> bytes:
        return write_xlsx(self.roster)

    def slips_xlsx(self) -> bytes:
        return write_xlsx(self.slips)


def _csv(rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def generate(seed: int = 7, members: int = 16, weeks: int = 260, bad: bool = True) -> History:
    rng = random.Random(seed)
    names = [f"{FIRST[i]} {LAST[(i * 7) % len(LAST)]}" for i in range(members)]
    emails = {n: f"{n.split()[0].lower()}.{n.split()[1].lower()}@example.com" for n in names}
    joined = {n: FOUNDED + timedelta(days=rng.randrange(0, 700)) for n in names}
    joined[names[0]] = joined[names[1]] = FOUNDED
    roster: list[list[object]] = [ROSTER_HEADER]
    for i, n in enumerate(names):
        roster.append([n, f"{n.split()[1]} {CATEGORIES[i]}", CATEGORIES[i], emails[n], joined[n].isoformat()])
    # two members share a name: a slip naming them by name is ambiguous, by e-mail it is fine
    twin_a, twin_b = "Sam Lee", "Sam Lee"
    roster.append([twin_a, "Lee Signs", "Travel agent", "sam.lee@travel.example", FOUNDED.isoformat()])
    roster.append([twin_b, "Lee Builders", "Builder", "sam.lee@build.example", FOUNDED.isoformat()])
    emails_twin = ("sam.lee@travel.example", "sam.lee@build.example")

    e = Expected()
    slips: list[list[object]] = [SLIP_HEADER]
    first_meeting = FOUNDED  # a Wednesday
    for week in range(weeks):
        day = first_meeting + timedelta(weeks=week)
        if day > TODAY:
            break
        present = [n for n in names if joined[n] <= day]
        if len(present) < 2:
            continue
        for _ in range(rng.randrange(2, 7)):
            giver, receiver = rng.sample(present, 2)
            who = (emails[giver] if rng.random() < 0.3 else giver.upper() if rng.random() < 0.1 else giver)
            slips.append([day.isoformat(), rng.choice(["Referral", "referral", "REF"]), who, receiver,
                          rng.choice(["Inside", "outside", "Tier 3"]), rng.randint(1, 5), "", "", "call Monday"])
            e.referrals_given[emails[giver]] += 1
            e.referrals_received[emails[receiver]] += 1
        for _ in range(rng.randrange(0, 3)):
            reporter, thanked = rng.sample(present, 2)
            amount = Decimal(rng.randrange(5000, 500000)) / 100
            shown = f"£{amount:,.2f}" if rng.random() < 0.5 else str(amount)
            slips.append([day.isoformat(), rng.choice(["TYFCB", "Closed business"]), reporter, thanked, "", "",
                          shown, rng.choice(["New", "repeat"]), ""])
            e.thanked_amount[emails[thanked]] = e.thanked_amount.get(emails[thanked], Decimal(0)) + amount
            e.closed_business += 1
        for _ in range(rng.randrange(1, 4)):
            a, b = rng.sample(present, 2)
            met = day - timedelta(days=rng.randrange(0, 6))
            met = max(met, joined[a], joined[b])
            slips.append([met.isoformat(), rng.choice(["1-2-1", "One-to-one", "121"]), a, b, "", "", "", "", ""])
            key = (min(emails[a], emails[b]), max(emails[a], emails[b]), met)
            if key not in e.one_to_ones:
                e.one_to_ones.add(key)
                e.one_to_ones_of[emails[a]] += 1
                e.one_to_ones_of[emails[b]] += 1
            else:
                e.same_meeting_rows += 1
            if rng.random() < 0.2:  # the other member reports the same meeting: counted once
                slips.append([met.isoformat(), "1-2-1", b, a, "", "", "", "", ""])
                e.same_meeting_rows += 1
        if rng.random() < 0.5:
            member = rng.choice(present)
            slips.append([day.isoformat(), "CEU", member, "", "", "", "", "", "Podcast: givers gain"])
            e.ceu_credits[emails[member]] += 1
        if rng.random() < 0.3:
            member = rng.choice(present)
            slips.append([day.isoformat(), "Visitor", member, f"Guest {week}", "", "", "", "", ""])
            e.visitors[emails[member]] += 1
    # the twins: by e-mail fine
    slips.append(["2024-05-01", "Referral", emails_twin[0], emails_twin[1], "outside", 3, "", "", ""])
    e.referrals_given[emails_twin[0]] += 1
    e.referrals_received[emails_twin[1]] += 1
    # a second identical CEU row on the same day is a second credit (occurrence index)
    slips.append(["2024-05-01", "CEU", names[0], "", "", "", "", "", "Book: the 29% solution"])
    slips.append(["2024-05-01", "CEU", names[0], "", "", "", "", "", "Book: the 29% solution"])
    e.ceu_credits[emails[names[0]]] += 2
    bad_rows: dict[int, str] = {}
    if bad:
        bad_list: list[tuple[list[object], str]] = [
            (["2024-05-01", "Referral", "Nobody Known", names[1], "outside", 3, "", "", ""], "no member"),
            (["2024-05-01", "Referral", "Sam Lee", names[1], "outside", 3, "", "", ""], "ambiguous"),
            (["03/05/2024", "CEU", names[0], "", "", "", "", "", "book"], "ambiguous"),
            (["2026-01-07", "CEU", names[0], "", "", "", "", "", "book"], "future"),
            (["2019-12-31", "CEU", names[0], "", "", "", "", "", "book"], "founded"),
            (["2024-05-01", "TYFCB", names[0], names[1], "", "", "lots", "new", ""], "amount"),
            (["2024-05-01", "TYFCB", names[0], names[0], "", "", "100", "new", ""], "themselves"),
            (["2024-05-01", "Referral", names[0], names[1], "outside", 9, "", "", ""], "temperature"),
            (["2024-05-01", "Lunch", names[0], names[1], "", "", "", "", ""], "slip type"),
        ]
        for row, word in bad_list:
            slips.append(row)
            bad_rows[len(slips)] = word
    e.recorded_rows = len(slips) - 1 - len(bad_rows) - e.same_meeting_rows
    return History(roster, slips, e, bad_rows, {**emails, **{f"twin{i}": m for i, m in enumerate(emails_twin)}})
