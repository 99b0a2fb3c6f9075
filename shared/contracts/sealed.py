"""Personal data of people who are not members (prospects, visitors), as it travels: sealed."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.events import Payload


class SealedData(BaseModel):
    """Personal data encrypted with AES-GCM under the data key `key_id` (held by the members service)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    key_id: str
    nonce: str = Field(description="base64")
    ciphertext: str = Field(description="base64; decrypts to a JSON object")


RECORDED_BEFORE_SEALING = "recorded-before-sealing"
"""The `key_id` of a visitor recorded by `visitor-invited.v1`, whose name travelled in clear: no data key (and
no ciphertext) is behind it, so it opens nothing. Those events cannot be sealed afterwards (the event store is
append-only, and so is the topic); the members service keeps the name it projected then, until erased."""


def visitor_invited_v1_sealed(data: Payload) -> Payload:
    """Upcasts `visitor-invited.v1` to v2: its clear name and business are not carried on (a reader of v2 never
    meets a visitor's name in clear); `visitor` says the visitor was recorded before sealing."""
    data.pop("visitor_name", None)
    data.pop("business", None)
    data["visitor"] = {"key_id": RECORDED_BEFORE_SEALING, "nonce": "", "ciphertext": ""}
    return data
