"""The referrals service's own settings (beyond shared.settings), read from the environment.

- `REFERRALS_TRAFFIC_LIGHTS` (default: the common scheme of `TrafficLightScheme`): JSON of a
  `TrafficLightScheme` (area weights, targets, attendance by absences, colour bands).
- `REFERRALS_ONE_SIDED_THRESHOLD` (default 3): referrals given in six months, none back, from which a pair is
  one-sided.

An empty variable counts as unset.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

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
    one_sided_threshold: int = Field(default=ONE_SIDED_THRESHOLD, ge=1, alias="REFERRALS_ONE_SIDED_THRESHOLD")


def load_config() -> ReferralsConfig:
    return ReferralsConfig()

