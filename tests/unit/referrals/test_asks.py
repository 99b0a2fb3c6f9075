"""Matching asks against members' businesses, and where `answer_ask` items go in the next best actions: a
scripted chapter, the expected list worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

from services.referrals.domain.asks import Ask, answer_asks, keywords, matched, words_match
from services.referrals.domain.next_actions import next_actions
from services.referrals.domain.traffic_lights import TrafficLightScheme

END = date(2024, 6, 29)
START = END - timedelta(days=181)


def test_keywords_leave_out_short_and_common_words_and_fold_accents() -> None:
    assert keywords("Looking for introductions to Steuerberater and Bäckereien in Köln!") == {
        "steuerberater", "backereien", "koln"}
    assert keywords("Szukam klientów: właściciele restauracji") == {"wlasciciele", "restauracji"}


def test_words_match_on_equal_words_or_a_long_enough_common_start() -> None:
    assert words_match("accountants", "accountant") and words_match("plumbing", "plumber")
    assert words_match("printers", "printing") and words_match("restaurants", "restaurant")
    assert not words_match("dental", "dentist")  # "dent": four letters, five needed
    assert matched(keywords("estate agents and mortgage brokers"), keywords("Mortgage broker Smith Finance")) == [
        "brokers", "mortgage"]


ASKS = [
    Ask("ann", "Ann", "Introductions to restaurant owners", date(2024, 6, 20)),
    Ask("bob", "Bob", "Looking for accountants and bookkeepers", date(2024, 6, 1)),
    Ask("cid", "Cid", "Restaurants opening a second site", date(2024, 5, 14)),  # 46 days old: stale
    Ask("eve", "Eve", "Bakeries", date(2024, 6, 25)),  # Eve left: not a member any more
]
MEMBERS = ["ann", "bob", "cid", "me"]


def test_a_restaurant_owner_is_nudged_towards_the_asks_their_business_matches() -> None:
    items = answer_asks("me", "Restaurant", "The Accountants' Table bistro", ASKS, [], END, MEMBERS)
    # Ann's ask (restaurant ~ restaurant) and Bob's (accountants ~ accountants), newest first; Cid's is
    # stale, Eve's asker left
    assert [(i["member_id"], i["matched"]) for i in items] == [("ann", ["restaurant"]), ("bob", ["accountants"])]
    assert items[0] == {"action": "answer_ask", "member_id": "ann", "member_name": "Ann",
                        "ask": "Introductions to restaurant owners", "asked_on": date(2024, 6, 20),
                        "matched": ["restaurant"]}


def test_a_referral_given_since_the_ask_answers_it_and_ones_own_ask_is_never_offered() -> None:
    items = answer_asks("me", "Restaurant", "Accountants' Table", ASKS,
                        [("ann", date(2024, 6, 21)), ("bob", date(2024, 5, 31))], END, MEMBERS)
    assert [i["member_id"] for i in items] == ["bob"]  # Ann was given one after asking; Bob's was before
    assert answer_asks("ann", "Restaurant", None, ASKS, [], END, MEMBERS) == []


def test_answer_ask_items_come_after_give_back_and_before_one_to_ones() -> None:
    refs = [{"giver_id": "bob", "receiver_id": "me", "given_on": date(2024, 6, 2)}]
    met = [{"member_a": "me", "member_b": "cid"}]
    asked = answer_asks("me", "Restaurant", None, ASKS, [], END, MEMBERS)
    actions = next_actions("me", None, TrafficLightScheme(), refs, met, START, END,
                           {"ann": "Ann", "bob": "Bob", "cid": "Cid"}, ask_actions=asked)
    assert [(a["action"], a["member_id"]) for a in actions] == [
        ("give_back", "bob"), ("answer_ask", "ann"), ("refer_after_one_to_one", "cid")]
