"""The notifications service's own settings (beyond shared.settings), read from the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    smtp_host: str = Field(default="localhost", alias="NOTIFICATIONS_SMTP_HOST")
    smtp_port: int = Field(default=8025, alias="NOTIFICATIONS_SMTP_PORT")
    smtp_timeout: float = Field(default=10.0, alias="NOTIFICATIONS_SMTP_TIMEOUT")
    mail_from: str = Field(default="refnet <notifications@refnet.local>", alias="NOTIFICATIONS_MAIL_FROM")
    public_url: str = Field(default="http://localhost:8003", alias="NOTIFICATIONS_PUBLIC_URL")
    reminder_hours: float = Field(default=48.0, alias="NOTIFICATIONS_REMINDER_HOURS")
    nudge_days: float = Field(default=14.0, alias="NOTIFICATIONS_NUDGE_DAYS")
    digest_lead_hours: float = Field(default=12.0, alias="NOTIFICATIONS_DIGEST_LEAD_HOURS")
    absence_window_days: int = Field(default=182, alias="NOTIFICATIONS_ABSENCE_WINDOW_DAYS")
    # e-mail retries
    email_max_attempts: int = Field(default=8, alias="NOTIFICATIONS_EMAIL_MAX_ATTEMPTS")
    # webhooks
    webhook_timeout: float = Field(default=5.0, alias="NOTIFICATIONS_WEBHOOK_TIMEOUT")
    webhook_max_attempts: int = Field(default=6, alias="NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS")
    retry_base_seconds: float = Field(default=30.0, alias="NOTIFICATIONS_RETRY_BASE_SECONDS")
    retry_cap_seconds: float = Field(default=6 * 3600.0, alias="NOTIFICATIONS_RETRY_CAP_SECONDS")
    webhook_disable_after_days: float = Field(default=3.0, alias="NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS")
    # loops (real seconds between polls; LISTEN/NOTIFY wakes the dispatcher sooner)
    dispatch_interval: float = Field(default=0.5, alias="NOTIFICATIONS_DISPATCH_INTERVAL")
    scheduler_interval: float = Field(default=1.0, alias="NOTIFICATIONS_SCHEDULER_INTERVAL")
    dispatch_batch: int = Field(default=200, alias="NOTIFICATIONS_DISPATCH_BATCH")
    dispatch_concurrency: int = Field(default=50, alias="NOTIFICATIONS_DISPATCH_CONCURRENCY")
    # a claimed delivery whose process died is tried again after this lease
    claim_lease_seconds: float = Field(default=120.0, alias="NOTIFICATIONS_CLAIM_LEASE_SECONDS")
    shutdown_grace_seconds: float = Field(default=5.0, alias="NOTIFICATIONS_SHUTDOWN_GRACE_SECONDS")
