"""Logs as one JSON object per line, carrying the correlation id and chapter id of the work in hand.

The HTTP edge (`shared.operations`) and the consumer runtime set `correlation_id` and `chapter_id`
(context variables, so every log line written while a request or an event is handled carries them, and
events appended meanwhile record the request's correlation id). uvicorn's own loggers go through the
same formatter; its access log is replaced by ours (`refnet.access`: method, route template, status,
duration; never the query string or the raw path, which may carry an e-mail address or a token).

Personal data stays out: log messages name ids, never names or e-mail addresses.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

correlation_id: ContextVar[str | None] = ContextVar("refnet_correlation_id", default=None)
chapter_id: ContextVar[str | None] = ContextVar("refnet_chapter_id", default=None)

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime",
                                                                                     "color_message"}
SAFE_ID = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def new_correlation_id(offered: str | None = None) -> str:
    """The caller's `X-Correlation-Id` when it is a plain id (at most 64 letters, digits, `-_.:`), else a new
    one: what a caller sends must not be able to forge log lines or carry personal data into them."""
    return plain_id(offered) or uuid.uuid4().hex


def plain_id(value: str | None) -> str | None:
    """`value` when it is a plain id (at most 64 letters, digits, `-_.:`), else None."""
    return value if value and len(value) <= 64 and SAFE_ID.issuperset(value) else None


@contextlib.contextmanager
def working_on(correlation: str | None, chapter: str | None) -> Iterator[None]:
    """Log lines written inside carry this correlation id and chapter id."""
    tokens = correlation_id.set(correlation), chapter_id.set(chapter)
    try:
        yield
    finally:
        correlation_id.reset(tokens[0])
        chapter_id.reset(tokens[1])


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, service, the context's
    correlation and chapter ids, whatever the call passed in `extra=`, and the exception if any."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service or os.environ.get("REFNET_SERVICE") or None

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name, "message": record.getMessage(),
        }
        if self.service:
            line["service"] = self.service
        if (correlation := correlation_id.get()) is not None:
            line["correlation_id"] = correlation
        if (chapter := chapter_id.get()) is not None:
            line["chapter_id"] = chapter
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


def level() -> str:
    return os.environ.get("REFNET_LOG_LEVEL", "INFO").upper()


def logging_config(service: str | None = None) -> dict[str, Any]:
    """A `logging.config.dictConfig` (and uvicorn `log_config`) that sends every logger, uvicorn's included,
    to stdout as JSON lines. Kafka clients' chatter below WARNING is left out unless REFNET_LOG_LEVEL=DEBUG."""
    chatty = "DEBUG" if level() == "DEBUG" else "WARNING"
    return {
        "version": 1, "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonLines, "service": service}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["stdout"], "level": level()},
        "loggers": {
            **{name: {"handlers": [], "propagate": True, "level": level()}
               for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
            "aiokafka": {"level": chatty}, "kafka": {"level": chatty},
        },
    }


def configure(service: str | None = None) -> None:
    """JSON lines for this process (the service processes call it before they start)."""
    import logging.config

    logging.config.dictConfig(logging_config(service))


consumed_log = logging.getLogger("refnet.consumed")


def log_consumed(consumer: str, delivered: Sequence[Any]) -> None:
    """One line per event a consumer applied, each with its own correlation and chapter id."""
    if not consumed_log.isEnabledFor(logging.INFO):
        return
    for d in delivered:
        envelope, record = d.envelope, d.record
        with working_on(envelope.correlationid, envelope.chapterid):
            consumed_log.info("applied %s", envelope.type, extra={
                "consumer": consumer, "event_id": envelope.id, "topic": record.topic,
                "partition": record.partition, "offset": record.offset})
