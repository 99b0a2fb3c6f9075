"""The notifications service (port 8003): e-mail, signed webhooks and an in-app feed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
from fastapi import FastAPI

from services.notifications.adapters import postgres as db
from services.notifications.adapters.smtp import Mailer, SmtpMailer
from services.notifications.adapters.webhook_http import WebhookPoster
from services.notifications.adapters.webhook_targets import TargetGuard
from services.notifications.config import NotificationSettings
from services.notifications.entrypoints import routes_chapters, routes_feed, routes_preferences, routes_webhooks
from services.notifications.service_layer import digest_extras, timers
from services.notifications.service_layer.dispatch import Dispatcher
from services.notifications.service_layer.reactions import NotificationReactions
from shared.clock import Clock, utc_now
from shared.contracts.members import members_events
from shared.contracts.referrals import referrals_events
from shared.events import EventRegistry
from shared.http_edge import guard
from shared.http_errors import EDGE_REFUSALS, refuse_unstorable_text
from shared.metrics import Sample
from shared.operations import operate
from shared.runtime import Service
from shared.settings import Settings, load_settings

SQL = Path(__file__).resolve().parent.parent / "sql"

DESCRIPTION = """
Tells people and systems what happened in their chapter: e-mail (plain text and HTML), webhooks signed per
the Standard Webhooks specification, and an in-app feed. Reacts to the members service's events and the
referrals service's derived events; reminders and weekly digests are durable timers.

* **Auth**: `Authorization: Bearer <token>` (the same tokens as the other services). A member sees only their
  own feed and preferences; a chapter's leaders manage its webhook subscriptions and settings; another
  chapter's ids are 404.
* **Unsubscribe** links in every e-mail work without logging in (`/unsubscribe?token=...`).
"""


def consumed_events() -> tuple[list[EventRegistry], EventRegistry]:
    sources = [members_events, referrals_events]
    registry = EventRegistry()
    for source in sources:
        registry.include(source)
    return sources, registry


def create_app(settings: Settings | None = None, clock: Clock = utc_now, smtp: Mailer | None = None,
               config: NotificationSettings | None = None) -> FastAPI:
    settings = settings or load_settings()
    config = config or NotificationSettings()
    mailer = smtp or SmtpMailer(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout,
                                connections=config.smtp_connections,
                                messages_per_connection=config.smtp_messages_per_connection)
    service = Service("notifications", settings, migrations=[SQL])
    sources, registry = consumed_events()
    targets = TargetGuard.from_config(config)
    service.consume(NotificationReactions(clock, config), sources, registry)
    service.consume(digest_extras.DigestExtras(), digest_extras.SOURCES, digest_extras.registry())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service.lifespan(app):
            poster = WebhookPoster(targets, config.webhook_timeout, config.webhook_connect_timeout)
            dispatcher = Dispatcher(service.pool, clock, mailer, poster, config, settings.token_secret,
                                    link_keys=settings.token_keys,
                                    app_url=settings.members_public_url.rstrip("/") + "/app")
            app.state.dispatcher = dispatcher
            stop = asyncio.Event()
            tasks = [asyncio.create_task(dispatcher.run(stop), name="notifications-dispatcher"),
                     asyncio.create_task(timers.run(service.pool, clock, config, stop), name="notifications-timers")]
            try:
                yield
            finally:
                stop.set()
                dispatcher.wake()
                for task in tasks:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(task, 15)
                await poster.close()
                if isinstance(mailer, SmtpMailer):
                    await mailer.close()

    app = FastAPI(title="refnet notifications", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    app.state.clock = clock
    app.state.config = config
    app.state.webhook_guard = targets

    for routes in (routes_feed, routes_preferences, routes_chapters, routes_webhooks):
        app.include_router(routes.router, responses=EDGE_REFUSALS)
    refuse_unstorable_text(app)
    guard(app, service.settings)  # body and rate limits, security headers: before any route runs

    async def details(pool: asyncpg.Pool) -> dict[str, Any]:
        return {"pending_deliveries": await db.pending_deliveries(pool)}

    async def deliveries() -> list[Sample]:
        return [Sample("refnet_notification_deliveries", {"status": row["status"], "channel": row["channel"]},
                       row["n"]) for row in await db.delivery_counts(service.pool)]

    operate(app, service, details, [deliveries])  # health, metrics, access log: outermost
    return app


def main() -> None:  # pragma: no cover
    import uvicorn

    from shared.logs import logging_config
    from shared.settings import SERVICE_PORTS

    uvicorn.run(create_app(), host="0.0.0.0", port=SERVICE_PORTS["notifications"],
                log_config=logging_config("notifications"), access_log=False)


if __name__ == "__main__":  # pragma: no cover
    main()
