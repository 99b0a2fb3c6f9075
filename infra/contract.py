"""The public event contract as files: a JSON Schema per event type and an AsyncAPI document per service.

Generated from the code (`refnet docs`), checked by a test that regenerates and compares, so the
documents subscribers read cannot drift from what the services publish.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from faststream.specification.asyncapi import AsyncAPI

from shared.events import EventRegistry
from shared.settings import SERVICE_PORTS, Settings

REGISTRIES = {
    "members": ("services.members.domain.events", "members_events"),
    "referrals": ("services.referrals.domain.events", "referrals_events"),
}


def registries() -> dict[str, EventRegistry]:
    found: dict[str, EventRegistry] = {}
    for service, (module, attribute) in REGISTRIES.items():
        try:
            found[service] = getattr(importlib.import_module(module), attribute)
        except (ImportError, AttributeError):
            continue
    return found


def event_schemas() -> dict[str, dict[str, object]]:
    """Type name → JSON Schema of its `data`, for every event a service publishes."""
    schemas: dict[str, dict[str, object]] = {}
    for service, registry in registries().items():
        for cls in registry:
            if cls.name.split(".")[2] != service:
                continue  # included from another registry (e.g. auth events in members)
            schema = cls.model_json_schema(mode="serialization")
            schema["$id"] = cls.type_name()
            schema["description"] = (cls.__doc__ or cls.name).strip()
            schema["x-topic"] = f"<prefix>.{cls.topic}"
            schemas[cls.type_name()] = schema
    return schemas


def asyncapi_documents() -> dict[str, str]:
    settings = Settings()
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
        documents[service] = spec.to_specification().to_yaml()
    return documents


def export_contract(out: Path) -> list[Path]:
    written: list[Path] = []
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
