"""The public event contract as files: a JSON Schema per event type and an AsyncAPI document per service.

Generated from the code (`refnet docs`), checked by a test that regenerates and compares, so the
documents subscribers read cannot drift from what the services publish.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import yaml
from faststream.specification.asyncapi import AsyncAPI

from shared.contracts.members import members_events
from shared.contracts.referrals import referrals_events
from shared.events import DomainEvent, EventRegistry
from shared.settings import SERVICE_PORTS, Settings


def registries() -> dict[str, EventRegistry]:
    """The published contracts (`shared/contracts/`), by the service that publishes them."""
    return {"members": members_events, "referrals": referrals_events}


def event_schemas() -> dict[str, dict[str, object]]:
    """Type name → JSON Schema of its `data`, for every event a service publishes."""
    schemas: dict[str, dict[str, object]] = {}
    for service, registry in registries().items():
        for cls in registry:
            if cls.name.split(".")[2] != service:
                continue  # included from another registry (e.g. auth events in members)
            schema = cls.model_json_schema(mode="serialization")
            schema["$id"] = cls.type_name()
            doc = cls.__doc__ if cls.__doc__ and cls.__doc__ != DomainEvent.__doc__ else None
            schema["description"] = (doc or cls.name.rsplit(".", 1)[1].replace("-", " ")).strip()
            schema["x-topic"] = f"<prefix>.{cls.topic}"
            schemas[cls.type_name()] = schema
    return schemas


def asyncapi_documents() -> dict[str, str]:
    # fixed values, so the documents do not depend on the environment they were generated in
    settings = Settings(KAFKA_BOOTSTRAP_SERVERS="localhost:9092", REFNET_TOPIC_PREFIX="refnet")
    documents: dict[str, str] = {}
    for service in SERVICE_PORTS:
        try:
            module = importlib.import_module(f"services.{service}.entrypoints.app")
        except ImportError:
            continue
        app = module.create_app(settings)
        broker = app.state.service.broker
        spec = AsyncAPI(broker, title=f"refnet {service}", version="1.0.0",
                        description=f"Topics the refnet {service} service publishes and consumes "
                                    f"(default prefix `{settings.topic_prefix}`).")
        # keys sorted: FastStream's channel order varies between runs, the document should not
        documents[service] = yaml.safe_dump(yaml.safe_load(spec.to_specification().to_yaml()), sort_keys=True)
    return documents


EVENTS_INTRO = """# Events: the public contract

Every state change in refnet is an event, and every event is published to Kafka, where any system may
subscribe. This page is generated from the code by `refnet docs`; so are the JSON Schemas in
[events/](events/) and the AsyncAPI documents in [asyncapi/](asyncapi/).

## On the wire

- **CloudEvents 1.0, Kafka binary content mode.** The record value is the event's `data` as JSON
  (`content-type: application/json`); every other attribute is a header `ce_<attribute>`:
  `ce_specversion` (`1.0`), `ce_id` (unique; use it to deduplicate), `ce_source` (`/refnet/<service>`),
  `ce_type` (below), `ce_time` (when it was recorded), `ce_subject` (the stream, e.g. `referral-<id>`),
  and the extensions `ce_chapterid`, `ce_streamid`, `ce_streamversion`, `ce_sequence` (position in the
  producing service's event store, increasing in commit order), `ce_correlationid`, `ce_causationid`,
  and, to tell news from history, `ce_imported` (`true` when a history import recorded it) and
  `ce_dayslate` (days from the day a slip happened to the day it was recorded). Attributes a consumer
  does not know are to be ignored: new ones may be added.
- **Key = chapter id.** Everything about one chapter is in one partition of each topic, in order.
- **At least once.** A crash can republish an event: deduplicate by `ce_id`.
- **Topics** are `<prefix>.<name>` with prefix `refnet` unless `REFNET_TOPIC_PREFIX` says otherwise. A
  consumer's unreadable or repeatedly failing messages go to `<topic>.dlt` with the original headers
  and `refnet_dlt_reason`.
- **Types** are reverse-DNS names with a version suffix (`org.refnet.members.referral-given.v1`). A
  change that would break a subscriber gets a new version; refnet's own consumers upcast old versions
  when they read them, and the old version's schema stays here.
- **Dates**: slips carry `occurred_on`, the day they happened in the chapter's time zone, beside the
  recording time `ce_time`. **Amounts** are decimal strings (`"1250.00"`) with a currency code.
  **Personal data** of prospects is sealed (`SealedData`, AES-GCM); erasing a prospect deletes the key,
  after which every copy, in every subscriber, is unreadable.
- **Who typed a slip**: a slip a leader keyed in for a member (referral, closed business, one-to-one, CEU,
  visitor) names the member as its author and the leader in `recorded_by` (optional, added compatibly in the
  same versions: absent or null when the member recorded it themself).
- **Visitors who register themselves** (the chapter's public page): `visitor-invited.v2` gained, compatibly,
  `self_registered` (default false), `meeting_date` (the meeting they picked) and `contact` (their name and
  e-mail sealed for the notifications service alone; webhooks never carry it). A visitor who named nobody has
  `invited_by: "no-inviter"` (`shared.contracts.members.NO_INVITER`), on the later steps too: never a member id.

## Topics and event types
"""


def events_page() -> str:
    lines = [EVENTS_INTRO]
    by_topic: dict[str, list[tuple[str, str]]] = {}
    for type_name, schema in event_schemas().items():
        topic = str(schema["x-topic"]).replace("<prefix>", "refnet")
        summary = str(schema["description"]).splitlines()[0]
        by_topic.setdefault(topic, []).append((type_name, summary))
    for topic in sorted(by_topic):
        lines.append(f"\n### `{topic}`\n\n| type | what | schema |\n| --- | --- | --- |")
        for type_name, summary in sorted(by_topic[topic]):
            lines.append(f"| `{type_name}` | {summary} | [schema](events/{type_name}.json) |")
    return "\n".join(lines) + "\n"


def export_contract(out: Path) -> list[Path]:
    written: list[Path] = [out / "events.md"]
    written[0].write_text(events_page())
    events_dir = out / "events"
    events_dir.mkdir(parents=True, exist_ok=True)
    for type_name, schema in sorted(event_schemas().items()):
        path = events_dir / f"{type_name}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    api_dir = out / "asyncapi"
    api_dir.mkdir(parents=True, exist_ok=True)
    for service, document in asyncapi_documents().items():
        path = api_dir / f"{service}.yaml"
        path.write_text(document)
        written.append(path)
    return written
