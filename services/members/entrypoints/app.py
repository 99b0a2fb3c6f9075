"""The members service: where a chapter and its members record everything (port 8001)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.members.adapters import keyring, prospect_keys
from services.members.config import MembersConfig
from services.members.domain.errors import DomainError, InvalidField
from services.members.entrypoints import (
    routes_app,
    routes_asks,
    routes_chapters,
    routes_check_in,
    routes_imports,
    routes_meetings,
    routes_referrals,
    routes_sign_in,
    routes_slips,
    routes_visit,
)
from services.members.entrypoints.lean_routes import serve_lean
from services.members.service_layer.commit_groups import CommitGroups
from shared.clock import utc_now
from shared.contracts.members import members_events
from shared.cors import CredentialedCors
from shared.http_edge import guard
from shared.http_errors import EDGE_REFUSALS, refuse_unstorable_text
from shared.operations import operate
from shared.runtime import Service
from shared.settings import Settings, load_settings

SQL = Path(__file__).resolve().parent.parent / "sql"

DESCRIPTION = """
Chapters, memberships and every slip a member records (referrals, closed business, one-to-ones, CEUs,
visitors, attendance). Each accepted request becomes events in this service's event store, published to
Kafka keyed by chapter id.

* **Auth**: `Authorization: Bearer <token>` (or, in browsers, the `refnet_access` cookie; cookie writes
  repeat the `refnet_csrf` cookie in `X-CSRF-Token`). Members sign in by e-mail: `POST /sign-in` sends a
  link with a one-time code, `POST /sign-in/exchange` turns it into an access token (15 minutes) and a
  refresh token (60 days, used once, `POST /sign-in/refresh`). The administrator's token founds chapters,
  appoints leaders and may open a member's session for bootstrapping. Nobody else is handed a member's token:
  adding a member e-mails them a welcome link.
* **Idempotency-Key** on every POST: a retry (even a concurrent one) returns the first response and records
  nothing twice. The key is bound to its request (method, path, body): reused for another request it is
  422 naming the header. Keys expire after 7 days (`MEMBERS_IDEMPOTENCY_TTL_DAYS`).
* **Paging**: list routes take `limit` (1..10000, default 1000) and `offset` (0..10000000); the answer
  carries `X-Total-Count` and, when more rows follow, a `Link: <...>; rel="next"` header.
* Every successful write returns `position`, the event-store position of its last event (the referrals
  service can wait for it: read-your-writes).
* Dated slips: `occurred_on` defaults to today in the chapter's time zone; a future date, one before the
  chapter was founded or the member joined, or a step dated before the step it follows is 422 naming it.
* Errors: 401 bad/revoked token, 403 not allowed, 404 unknown (or another chapter's) id, 409 conflicts
  with the current state, 422 invalid field (named in `detail[].loc`).
"""


def create_app(settings: Settings | None = None, config: MembersConfig | None = None) -> FastAPI:
    settings = settings or load_settings()
    config = config or MembersConfig()
    service = Service("members", settings, migrations=[SQL], publishes=members_events)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        keys = config.keyring()  # refused before anything starts when missing
        async with service.lifespan(app):
            await prospect_keys.check_keks(service.pool, keys)
            if moved := await prospect_keys.rewrap(service.pool, keys):
                logging.getLogger("refnet.members").info("re-wrapped %d stored key(s) under %s", moved, keys.primary)
            keyring.register(service.pool, keys)
            app.state.commit_groups = CommitGroups(
                service.pool, window=config.group_commit_ms / 1000, max_size=config.group_commit_max,
                in_flight=config.group_commit_in_flight,
                token_secret=service.settings.token_secret, clock=lambda: app.state.clock())
            try:
                yield
            finally:
                await app.state.commit_groups.close()
                keyring.unregister(service.pool)

    app = FastAPI(title="refnet members", version="1.0.0", description=DESCRIPTION, lifespan=lifespan)
    app.state.service = service
    app.state.clock = utc_now

    @app.exception_handler(DomainError)
    async def _refused(_request: Request, exc: DomainError) -> JSONResponse:
        if isinstance(exc, InvalidField):
            where = getattr(exc, "location", None) or ("path" if exc.field == "meeting_date" else "body")
            return JSONResponse({"detail": [{"loc": [where, *exc.field.split(".")], "msg": exc.reason,
                                             "type": "value_error"}]}, status_code=422)
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

    app.state.check_in_window = config.check_in_window()
    for module in (routes_sign_in, routes_chapters, routes_referrals, routes_slips, routes_check_in, routes_meetings,
                   routes_imports, routes_app, routes_visit, routes_asks):
        app.include_router(module.router, responses=EDGE_REFUSALS)
    refuse_unstorable_text(app)
    # the slips members record (a meeting's burst): matched first, without FastAPI's generic handling
    serve_lean(app, [routes_referrals.give_referral, routes_referrals.change_status,
                     routes_slips.report_closed_business, routes_slips.judge_closed_business,
                     routes_slips.record_one_to_one, routes_slips.record_ceu])
    # the leaders' dashboard (the referrals service) renews its session here with the refresh cookie
    app.add_middleware(CredentialedCors, origins=service.settings.dashboard_origin_list, methods=("POST",),
                       headers="content-type, x-csrf-token", paths=("/sign-in/refresh",))
    guard(app, service.settings)  # body and rate limits, security headers: before any route runs
    operate(app, service)  # health, metrics, access log: outermost
    return app
