"""Events say whether they are news: `imported` (a history import recorded them) and `dayslate` (days from
the day a slip happened to the day it was recorded) travel as CloudEvent attributes any subscriber reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.notifications.domain.kinds import is_news
from shared.envelope import from_kafka, to_kafka
from shared.event_store import RecordedEvent
from shared.outbox import to_cloud_event


def recorded(data: dict[str, object], **metadata: object) -> RecordedEvent:
    return RecordedEvent(position=7, event_id=uuid.uuid4(), stream_id="referral-r1", stream_version=1,
                         chapter_id="c1", type="org.refnet.members.referral-given.v1", schema_version=1, data=data,
                         metadata=dict(metadata), recorded_at=datetime(2025, 3, 20, 23, 30, tzinfo=UTC))


def test_an_imported_or_late_slip_says_so_on_the_topic() -> None:
    imported = to_cloud_event(recorded({"occurred_on": "2024-03-06"}, imported=True), "/refnet/members")
    _key, value, headers = to_kafka(imported)
    assert ("ce_imported", b"true") in headers and ("ce_dayslate", b"379") in headers
    back = from_kafka(headers, value)
    assert (back.imported, back.dayslate) == (True, 379)
    live = to_cloud_event(recorded({"occurred_on": "2025-03-20"}), "/refnet/members")
    assert (live.imported, live.dayslate) == (None, 0)
    undated = to_cloud_event(recorded({"member_id": "m1"}), "/refnet/members")
    assert undated.dayslate is None and not any(n == "ce_dayslate" for n, _ in to_kafka(undated)[2])


def test_an_attribute_from_a_newer_producer_is_ignored_not_dead_lettered() -> None:
    _key, value, headers = to_kafka(to_cloud_event(recorded({"occurred_on": "2025-03-20"}), "/refnet/members"))
    event = from_kafka([*headers, ("ce_somethingnew", b"42")], value)
    assert event.data == {"occurred_on": "2025-03-20"}


def test_news_is_what_was_recorded_as_it_happened() -> None:
    assert is_news(None, 0, 7) and is_news(None, 7, 7) and is_news(None, None, 7)
    assert not is_news(None, 8, 7) and not is_news(True, 0, 7)
