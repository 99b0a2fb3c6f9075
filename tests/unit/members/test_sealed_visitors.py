"""Visitors invited before their name was sealed (`visitor-invited.v1`): their events keep decoding, as v2, and
a reader never meets the clear name; such a visitor is still erasable."""

from __future__ import annotations

from datetime import date

from aiokafka.structs import ConsumerRecord

from bench.referrals_rebuild import record
from services.members.domain.meetings import Visitor
from services.referrals.adapters.kafka_facts import decode_records
from shared.contracts.members import RECORDED_BEFORE_SEALING, VisitorDataErased, VisitorInvited, members_events

V1 = "org.refnet.members.visitor-invited.v1"
V1_DATA = {"chapter_id": "c1", "visitor_id": "v1", "invited_by": "m-ann", "visitor_name": "Sam Lee",
           "business": "Lee Plumbing", "occurred_on": "2024-03-06"}


def test_a_v1_invitation_decodes_as_v2_recorded_before_sealing_without_the_clear_name() -> None:
    event = members_events.decode(V1, dict(V1_DATA))
    assert isinstance(event, VisitorInvited) and event.type_name() == "org.refnet.members.visitor-invited.v2"
    assert (event.visitor_id, event.invited_by, event.occurred_on) == ("v1", "m-ann", date(2024, 3, 6))
    assert event.visitor.key_id == RECORDED_BEFORE_SEALING and event.visitor.ciphertext == ""
    assert "Sam Lee" not in event.model_dump_json() and "Lee Plumbing" not in event.model_dump_json()
    # a v1 with no business (it was optional) decodes too
    assert members_events.decode(V1, {k: v for k, v in V1_DATA.items() if k != "business"}) == event


def test_a_v1_message_read_by_the_rebuild_gives_a_fact_without_the_name() -> None:
    _key, value, headers = record(7, V1, V1_DATA)
    [fact] = decode_records([ConsumerRecord("t", 0, 0, 0, 0, b"c1", value, None, 0, len(value), headers)])
    assert fact.kind == "visitor-invited" and fact.data["visitor_id"] == "v1"
    assert "visitor_name" not in fact.data and "Sam Lee" not in str(fact.data)


def test_a_visitor_invited_before_sealing_is_erased_once() -> None:
    visitor = Visitor.load("v1", [members_events.decode(V1, dict(V1_DATA))])
    erased = visitor.erase()
    assert erased == VisitorDataErased(chapter_id="c1", visitor_id="v1", key_id=RECORDED_BEFORE_SEALING)
    visitor.apply(erased)
    assert visitor.erase() is None
