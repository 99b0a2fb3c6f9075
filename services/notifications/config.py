"""The notifications service's own settings (beyond shared.settings), read from the environment.

Every field is read from `NOTIFICATIONS_<FIELD NAME>` (the prefix does it, so no field restates its name)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.clock import SIX_MONTHS


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")

    smtp_host: str = "localhost"
    smtp_port: int = 8025
    smtp_timeout: float = 10.0
    smtp_connections: int = 8  # kept SMTP connections (at most this many e-mails are sent at once)
    smtp_messages_per_connection: int = 100  # then the connection is closed and a new one opened
    mail_from: str = "refnet <notifications@refnet.local>"
    public_url: str = "http://localhost:8003"
    reminder_hours: float = 48.0
    nudge_days: float = 14.0
    # a visitor who registered themself is reminded this many days before their meeting (at the meeting's local
    # time, in the chapter's time zone)
    visitor_reminder_days: int = 2
    digest_lead_hours: float = 12.0
    absence_window_days: int = SIX_MONTHS.days
    # a slip recorded more than this many days after it happened (or by a history import) is history, not
    # news: nobody is e-mailed about it one by one, and webhooks carry it with "live": false
    news_days: int = 7
    # e-mail retries
    email_max_attempts: int = 8
    # webhooks
    webhook_timeout: float = 5.0  # the whole request (connect, send, answer)
    webhook_connect_timeout: float = 3.0  # resolving the host and connecting
    # targets must be https and public: http only when allowed; loopback, private, link-local (cloud metadata)
    # and other internal addresses only for hosts, addresses or networks (CIDR) listed here, comma-separated
    webhook_allow_http: bool = False
    webhook_allowed_hosts: str = ""
    webhook_max_attempts: int = 6
    # deliveries sent at once to one subscription: a slow or dead receiver holds no more of the dispatcher
    webhook_concurrency_per_subscription: int = 8
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 6 * 3600.0
    webhook_disable_after_days: float = 3.0
    # loops (real seconds between polls; LISTEN/NOTIFY wakes the dispatcher sooner)
    dispatch_interval: float = 0.5
    scheduler_interval: float = 1.0
    dispatch_batch: int = 200
    dispatch_concurrency: int = 50
    # a claimed delivery whose process died is tried again after this lease
    claim_lease_seconds: float = 120.0
    shutdown_grace_seconds: float = 5.0
