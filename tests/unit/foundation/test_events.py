"""Event types: naming, upcasting of old versions, and the published contract files."""

from __future__ import annotations

import json

import pytest

from infra.contract import event_schemas
from shared.events import DomainEvent, EventRegistry, InvalidEvent, UnknownEventType
from tests.conftest import ROOT


def _registry_with_evolved_event() -> tuple[EventRegistry, type[DomainEvent]]:
    registry = EventRegistry()

    @registry.register
    class VisitorInvited(DomainEvent):
        name = "org.refnet.test.visitor-invited"
        topic = "test"
        version = 3
        first_name: str
        last_name: str
        source: str

    @registry.upcaster("org.refnet.test.visitor-invited", from_version=1)
    def split_name(data: dict) -> dict:  # type: ignore[type-arg]
        first, _, last = data.pop("name").partition(" ")
        return {**data, "first_name": first, "last_name": last}

    @registry.upcaster("org.refnet.test.visitor-invited", from_version=2)
    def add_source(data: dict) -> dict:  # type: ignore[type-arg]
        return {**data, "source": "unknown"}

    return registry, VisitorInvited


def test_an_old_version_is_upcast_when_read() -> None:
    registry, current = _registry_with_evolved_event()
    event = registry.decode("org.refnet.test.visitor-invited.v1", {"name": "Ada Lovelace"})
    assert isinstance(event, current)
    assert (event.first_name, event.last_name, event.source) == ("Ada", "Lovelace", "unknown")  # type: ignore[attr-defined]
    assert current.type_name() == "org.refnet.test.visitor-invited.v3"


def test_the_current_version_is_read_as_is_and_a_newer_one_is_refused() -> None:
    registry, _ = _registry_with_evolved_event()
    data = {"first_name": "Grace", "last_name": "Hopper", "source": "meetup"}
    assert registry.decode("org.refnet.test.visitor-invited.v3", data).model_dump() == data
    with pytest.raises(UnknownEventType, match="newer"):
        registry.decode("org.refnet.test.visitor-invited.v4", data)
    with pytest.raises(UnknownEventType):
        registry.decode("org.refnet.test.visitor-invited", data)
    with pytest.raises(InvalidEvent, match="first_name"):
        registry.decode("org.refnet.test.visitor-invited.v3", {"last_name": "x", "source": "y"})


def test_every_published_event_type_is_reverse_dns_with_a_version() -> None:
    schemas = event_schemas()
    assert "org.refnet.members.referral-given.v1" in schemas
    for type_name in schemas:
        assert type_name.startswith("org.refnet.") and type_name.rsplit(".", 1)[1].startswith("v")


def test_the_json_schemas_in_docs_match_the_code() -> None:
    """`refnet docs` regenerates them; a change to an event without regenerating fails here."""
    for type_name, schema in event_schemas().items():
        path = ROOT / "docs" / "events" / f"{type_name}.json"
        assert path.exists(), f"{path} missing: run `refnet docs`"
        assert json.loads(path.read_text()) == json.loads(json.dumps(schema)), f"{path} is stale"


def test_amounts_are_decimal_strings_never_floats() -> None:
    amount = event_schemas()["org.refnet.members.closed-business-reported.v1"]["properties"]["amount"]  # type: ignore[index]
    assert amount["type"] == "string"  # type: ignore[index]


def test_the_events_page_lists_every_type_and_matches_the_code() -> None:
    from infra.contract import events_page

    page = (ROOT / "docs" / "events.md").read_text()
    assert page == events_page(), "docs/events.md is stale: run `refnet docs`"
    for type_name in event_schemas():
        assert f"`{type_name}`" in page


def test_the_asyncapi_documents_match_the_services_and_name_every_topic() -> None:
    import yaml

    from infra.contract import asyncapi_documents, registries

    documents = asyncapi_documents()
    assert set(documents) == {"members", "referrals", "notifications"}
    for service, document in documents.items():
        path = ROOT / "docs" / "asyncapi" / f"{service}.yaml"
        assert path.read_text() == document, f"{path} is stale: run `refnet docs`"
        addresses = {c["address"] for c in yaml.safe_load(document)["channels"].values()}
        for cls in registries().get(service, []):
            if cls.name.split(".")[2] == service:
                assert f"refnet.{cls.topic}" in addresses, f"{service} publishes {cls.topic} undocumented"
    consumed = {c["address"] for c in yaml.safe_load(documents["referrals"])["channels"].values()}
    assert "refnet.members.referrals" in consumed  # the referrals service's projections subscribe to it


def test_an_invalid_event_is_reported_by_field_never_by_value() -> None:
    """The reason goes to logs and dead-letter headers: it names the field and the rule, not the value."""
    from shared.contracts.members import MemberJoined, members_events

    data = {"chapter_id": "c-1", "member_id": "m-1", "member_name": "Priya Shah", "business": "Shah & Co",
            "category": "Accountant", "email": "priya@shahco.example", "phone": "+44 113 496 0000",
            "role": "member", "joined_on": "15 March 2025 (Priya's birthday)"}
    with pytest.raises(InvalidEvent) as raised:
        members_events.decode(MemberJoined.type_name(), data)
    reason = str(raised.value)
    assert "joined_on" in reason
    for personal in ("Priya", "shahco", "496 0000", "birthday"):
        assert personal not in reason
