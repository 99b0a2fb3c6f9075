"""What a service counts for Prometheus (`GET /metrics`, text format), and what it samples when scraped.

Counted as it happens (a counter increment or a histogram observation: microseconds):
- `refnet_http_request_duration_seconds{service,method,route,status}`: every HTTP request, by route
  template (`/chapters/{chapter_id}/referrals`, never the raw path: no ids in labels), `unmatched` for a
  path no route serves;
- `refnet_events_appended_total{type}`: events written to this process's event store;
- `refnet_dead_lettered_total{consumer,topic}`: messages a consumer set aside on `<topic>.dlt`;
- `refnet_report_cache_requests_total{report,result}`: rendered reports served from the referrals
  service's cache (`hit`) or computed (`miss`).

Sampled when scraped (a query or a Kafka request each, so only on scrape; see `shared.operations`):
- `refnet_outbox_lag_events{service}`: events committed but not yet published to Kafka;
- `refnet_outbox_leading{service}`: 1 in the process whose relay holds the database lock;
- `refnet_consumer_lag_messages{group,topic,partition}`: messages on a partition assigned to this process
  not yet committed by its consumer group;
- `refnet_notification_deliveries{status,channel}`: pending and failed deliveries (notifications).

Per process: with replicas, Prometheus scrapes each (sum the counters, take the max of the lags).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from prometheus_client import REGISTRY, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

HTTP_SECONDS = Histogram(
    "refnet_http_request_duration_seconds", "HTTP requests by route template and status",
    ["service", "method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))
EVENTS_APPENDED = Counter("refnet_events_appended", "Events appended to the event store", ["type"])
DEAD_LETTERED = Counter("refnet_dead_lettered", "Messages set aside on a dead-letter topic", ["consumer", "topic"])
REPORT_CACHE = Counter("refnet_report_cache_requests", "Rendered reports asked for, by cache hit or miss",
                       ["report", "result"])

SAMPLED_HELP = {
    "refnet_outbox_lag_events": "Events committed to the event store and not yet published to Kafka",
    "refnet_outbox_leading": "1 when this process's outbox relay holds the publishing lock",
    "refnet_consumer_lag_messages": "Messages on an assigned partition not yet committed by the consumer group",
    "refnet_notification_deliveries": "Notification deliveries by status (pending, failed) and channel",
}

_http_children: dict[tuple[str, str, str, str], object] = {}


def observe_request(service: str, method: str, route: str, status: int, seconds: float) -> None:
    key = (service, method, route, str(status))
    child = _http_children.get(key)
    if child is None:  # labels() takes a lock and builds a tuple: done once per series
        child = _http_children[key] = HTTP_SECONDS.labels(*key)
    child.observe(seconds)  # type: ignore[attr-defined]


def events_appended(types: Iterable[str]) -> None:
    counts: dict[str, int] = {}
    for type_ in types:
        counts[type_] = counts.get(type_, 0) + 1
    for type_, n in counts.items():
        EVENTS_APPENDED.labels(type_).inc(n)


def dead_lettered(consumer: str, topic: str) -> None:
    DEAD_LETTERED.labels(consumer, topic).inc()


def report_cache(report: str, hit: bool) -> None:
    REPORT_CACHE.labels(report, "hit" if hit else "miss").inc()


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


Sampler = Callable[[], Awaitable[Sequence[Sample]]]


@dataclass(eq=False)  # registered in a set: hashed by identity
class _Sampled(Collector):
    """The last samples of each service in this process (tests run several services in one process)."""

    latest: dict[str, list[Sample]] = field(default_factory=dict)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        families: dict[str, GaugeMetricFamily] = {}
        for samples in list(self.latest.values()):
            for s in samples:
                family = families.get(s.name)
                if family is None:
                    family = families[s.name] = GaugeMetricFamily(s.name, SAMPLED_HELP.get(s.name, s.name),
                                                                   labels=sorted(s.labels))
                family.add_metric([s.labels[k] for k in sorted(s.labels)], s.value)
        yield from families.values()


SAMPLED = _Sampled()
REGISTRY.register(SAMPLED)


async def scrape(service: str, samplers: Sequence[Sampler], timeout: float = 5.0) -> bytes:
    """Run the service's samplers (each bounded by `timeout`; one that fails leaves its series out and
    says why in the log), then render every metric of this process."""
    async def run(sampler: Sampler) -> Sequence[Sample]:
        try:
            return await asyncio.wait_for(sampler(), timeout)
        except Exception as exc:
            log.warning("metrics: %s could not be sampled (%s: %s)", getattr(sampler, "__name__", sampler),
                        type(exc).__name__, exc)
            return []

    results = await asyncio.gather(*(run(s) for s in samplers))
    SAMPLED.latest[service] = [sample for result in results for sample in result]
    return generate_latest(REGISTRY)
