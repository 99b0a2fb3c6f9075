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
    return plain_id(offered) or os.urandom(16).hex()


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


_encode = json.JSONEncoder(default=str, ensure_ascii=False).encode


class JsonLines(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, service, the context's
    correlation and chapter ids, whatever the call passed in `extra=`, and the exception if any.
    It formats every access line, so it does little: the time text is made once a second."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service or os.environ.get("REFNET_SERVICE") or None
        self._second, self._stamp = -1, ""

    def format(self, record: logging.LogRecord) -> str:
        second = int(record.created)
        if second != self._second:
            self._second, self._stamp = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        line: dict[str, Any] = {
            "time": f"{self._stamp}.{int(record.msecs):03d}Z", "level": record.levelname.lower(),
            "logger": record.name, "message": record.getMessage(),
        }
        if self.service:
            line["service"] = self.service
        if (correlation := correlation_id.get()) is not None:
            line["correlation_id"] = correlation
        if (chapter := chapter_id.get()) is not None:
            line["chapter_id"] = chapter
        for key in record.__dict__.keys() - _STANDARD:
            if not key.startswith("_"):
                line[key] = record.__dict__[key]
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return _encode(line)


def emit(logger: logging.Logger, level: int, message: str, args: tuple[Any, ...], extra: dict[str, Any]) -> None:
    """`logger.log(level, message, *args, extra=extra)` without looking up the caller's file and line (a
    stack walk): for the lines written per request and per event. The caller checked `isEnabledFor`."""
    logger.handle(logger.makeRecord(logger.name, level, "", 0, message, args, None, extra=extra))


def level() -> str:
    return os.environ.get("REFNET_LOG_LEVEL", "INFO").upper()


def logging_config(service: str | None = None) -> dict[str, Any]:
    """A `logging.config.dictConfig` (and uvicorn `log_config`) that sends every logger, uvicorn's included,
    to stdout as JSON lines. Kafka clients' chatter below WARNING is left out unless REFNET_LOG_LEVEL=DEBUG."""
    lean_records()  # uvicorn applies this dict in each worker process: the one call every process makes
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


def lean_records() -> None:
    """Log records skip what no line shows (thread, process and task names: looked up for every record)."""
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False


def configure(service: str | None = None) -> None:
    """JSON lines for this process (the service processes call it before they start)."""
    import logging.config

    lean_records()
    logging.config.dictConfig(logging_config(service))


consumed_log = logging.getLogger("refnet.consumed")


def log_consumed(consumer: str, delivered: Sequence[Any]) -> None:
    """One line per event a consumer applied, each with its own correlation and chapter id."""
    if not consumed_log.isEnabledFor(logging.INFO):
        return
    for d in delivered:
        envelope, record = d.envelope, d.record
        with working_on(envelope.correlationid, envelope.chapterid):
            emit(consumed_log, logging.INFO, "applied %s", (envelope.type,), {
                "consumer": consumer, "event_id": envelope.id, "topic": record.topic,
                "partition": record.partition, "offset": record.offset})
