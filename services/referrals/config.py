"""The referrals service's own settings (beyond shared.settings), read from the environment.

- `REFERRALS_TRAFFIC_LIGHTS` (default: the common scheme of `TrafficLightScheme`): JSON of a
  `TrafficLightScheme` (area weights, targets, attendance by absences, colour bands).
- `REFERRALS_ONE_SIDED_THRESHOLD` (default 3): referrals given in six months, none back, from which a pair is
  one-sided.
- `REFERRALS_CHAPTER_LIGHTS` (default: `ChapterLightScheme`'s): JSON of the chapters' traffic-light scheme.
- `REFERRALS_INTEGRITY` (default: `IntegrityRules`' defaults): JSON of the integrity signals' thresholds.
- `REFERRALS_STREAMS_PER_MEMBER` (default 3), `REFERRALS_STREAMS_PER_CHAPTER` (default 30): open dashboard
  event streams allowed at once; one more is answered 429.
- `REFERRALS_STREAM_TICKET_SECONDS` (default 30): how long a stream ticket may wait to be used.
- `REFERRALS_CHANGES_POLL_SECONDS` (default 5): event streams and read-your-writes waits are woken by
  PostgreSQL notifications; this is how often they look anyway, in case a notification was lost.

An empty variable counts as unset.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.referrals.domain.chapter_lights import ChapterLightScheme
from services.referrals.domain.integrity import IntegrityRules
from services.referrals.domain.pairs import ONE_SIDED_THRESHOLD
from services.referrals.domain.traffic_lights import TrafficLightScheme
from shared.clock import SIX_MONTHS

WINDOW: timedelta = SIX_MONTHS
"""The reports' default window and the window of traffic lights and one-sided pairs: the chapters' rules
speak of six months, so this is not a setting."""


class ReferralsConfig(BaseSettings):
    # an empty variable means "not set", as it always has
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True, env_ignore_empty=True)

    traffic_lights: TrafficLightScheme = Field(default_factory=TrafficLightScheme, alias="REFERRALS_TRAFFIC_LIGHTS")
    chapter_lights: ChapterLightScheme = Field(default_factory=ChapterLightScheme, alias="REFERRALS_CHAPTER_LIGHTS")
    integrity: IntegrityRules = Field(default_factory=IntegrityRules, alias="REFERRALS_INTEGRITY")
    one_sided_threshold: int = Field(default=ONE_SIDED_THRESHOLD, ge=1, alias="REFERRALS_ONE_SIDED_THRESHOLD")
    streams_per_member: int = Field(default=3, ge=1, alias="REFERRALS_STREAMS_PER_MEMBER")
    streams_per_chapter: int = Field(default=30, ge=1, alias="REFERRALS_STREAMS_PER_CHAPTER")
    stream_ticket_seconds: int = Field(default=30, ge=1, le=3600, alias="REFERRALS_STREAM_TICKET_SECONDS")
    changes_poll_seconds: float = Field(default=5.0, gt=0, le=60, alias="REFERRALS_CHANGES_POLL_SECONDS")
    rebuild_workers: int = Field(default=2, ge=1, le=64, alias="REFERRALS_REBUILD_WORKERS")
    """Processes a rebuild replays the topics' partitions with (see service_layer/parallel_replay.py)."""


def load_config() -> ReferralsConfig:
    return ReferralsConfig()

