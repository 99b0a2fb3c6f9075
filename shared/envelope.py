"""The CloudEvents 1.0 envelope every refnet event travels in, and its Kafka binary content mode.

On Kafka an event is: key = chapter id (everything about one chapter stays in one partition, in order),
value = the JSON `data`, and every other attribute as a `ce_<name>` header, as the CloudEvents Kafka
protocol binding specifies. Any Kafka client can read it without refnet code.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_json

Headers = list[tuple[str, bytes]]

CONTENT_TYPE: Literal["application/json"] = "application/json"


class CloudEvent(BaseModel):
    # an attribute this version does not know (a newer producer's extension) is ignored, as the CloudEvents
    # spec asks of consumers: refusing it would dead-letter every event during a rolling upgrade
    model_config = ConfigDict(frozen=True, extra="ignore")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(min_length=1, description="URI reference of the producing service, e.g. /refnet/members")
    type: str = Field(min_length=1, description="reverse-DNS type with version suffix")
    time: datetime
    subject: str | None = Field(default=None, description="the stream (aggregate) the event belongs to")
    datacontenttype: Literal["application/json"] = CONTENT_TYPE
    # extensions (CloudEvents extension names are lower-case alphanumerics)
    chapterid: str = Field(min_length=1)
    streamid: str = Field(min_length=1)
    streamversion: int = Field(ge=1)
    sequence: int = Field(ge=1, description="position in the producing service's event store")
    correlationid: str | None = None
    causationid: str | None = None
    imported: bool | None = Field(default=None, description="true: recorded by a history import, not as it "
                                                             "happened (history, not news)")
    dayslate: int | None = Field(default=None, description="days from the day the slip happened (`occurred_on`) "
                                                           "to the day it was recorded (UTC)")
    data: dict[str, Any]


class PoisonMessage(ValueError):
    """A Kafka record that can never become a CloudEvent (bad JSON, missing attribute, ...)."""


def to_kafka(event: CloudEvent) -> tuple[bytes, bytes, Headers]:
    headers: Headers = [("content-type", CONTENT_TYPE.encode())]
    for name, value in event.model_dump(mode="json", exclude={"data", "datacontenttype"}).items():
        if value is not None:
            text = str(value).lower() if isinstance(value, bool) else str(value)
            headers.append((f"ce_{name}", text.encode()))
    body = to_json(event.data, fallback=str)
    return event.chapterid.encode(), body, headers


def from_kafka(headers: Headers | None, value: bytes | None) -> CloudEvent:
    attrs: dict[str, Any] = {}
    for name, raw in headers or []:
        if name.startswith("ce_"):
            attrs[name[3:]] = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PoisonMessage(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise PoisonMessage("body is JSON but not an object")
    try:
        return CloudEvent.model_validate({**attrs, "data": data})
    except ValidationError as exc:
        fields = ", ".join(".".join(str(p) for p in err["loc"]) + f" ({err['msg']})" for err in exc.errors())
        raise PoisonMessage(f"not a CloudEvent: {fields}") from exc
