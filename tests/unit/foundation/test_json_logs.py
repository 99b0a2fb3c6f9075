"""Log lines as a log pipeline reads them: one JSON object each, with the context's ids, safe from forgery."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from shared.logs import JsonLines, emit, new_correlation_id, working_on


@pytest.fixture
def lines() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonLines("members"))
    logger = logging.getLogger("test.json-lines")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out
    logger.removeHandler(handler)


def _parsed(out: io.StringIO) -> list[dict]:  # type: ignore[type-arg]
    text = out.getvalue()
    assert text.endswith("\n") and all(line.startswith("{") for line in text.splitlines())
    return [json.loads(line) for line in text.splitlines()]


def test_a_line_carries_the_context_ids_its_fields_and_a_multiline_message_on_one_line(
        lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = lines
    with working_on("corr-1", "c-42"):
        logger.info("first\nsecond %s", "line", extra={"consumer": "referrals", "offset": 7})
    logger.warning("outside")
    inside, outside = _parsed(out)
    assert inside["message"] == "first\nsecond line" and inside["level"] == "info"
    assert inside["correlation_id"] == "corr-1" and inside["chapter_id"] == "c-42"
    assert inside["consumer"] == "referrals" and inside["offset"] == 7 and inside["service"] == "members"
    assert inside["time"].endswith("Z") and "lineno" not in inside
    assert "correlation_id" not in outside and "chapter_id" not in outside


def test_an_exception_is_in_the_line_and_emit_writes_the_same_shape(lines: tuple[logging.Logger, io.StringIO]) -> None:
    logger, out = lines
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("failed")
    emit(logger, logging.INFO, "%s %s %d", ("GET", "/health", 200), {"route": "/health", "status": 200})
    failed, access = _parsed(out)
    assert "ValueError: boom" in failed["exception"]
    assert access["message"] == "GET /health 200" and access["route"] == "/health" and access["status"] == 200


@pytest.mark.parametrize("offered", ["jo@example.com", "x" * 65, "a b", "x\n{\"level\":\"error\"}", ""])
def test_a_correlation_id_that_is_not_a_plain_id_is_replaced(offered: str) -> None:
    made = new_correlation_id(offered)
    assert made != offered and len(made) == 32
    assert new_correlation_id("req-2026.11:29_a") == "req-2026.11:29_a"
