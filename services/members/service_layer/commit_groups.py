"""Group commit: slips that arrive together are decided one by one and committed in one transaction.

A meeting's burst of slips would otherwise cost a transaction (and an fsync, and seven round trips) each.
Requests wait at most `window` seconds (or until `max_size` have come) to form a group; the group runs in
one transaction on one connection (`adapters/group_commit.py`): the Idempotency-Keys of the whole group
are claimed at once, each request is decided on its own on the state its predecessors left, a refused one
(422, 403, 404, 409) is refused alone, and the accepted ones are written together and committed. Every
request is answered only after its group's commit: a crash before it loses only unanswered requests, which
their clients retry (with their Idempotency-Key: never recorded twice).

Should the group's write fail as a whole (another process moved one of its streams meanwhile, the
database went away), nothing of it stands, and each of its requests runs again on its own (`execute`:
retried on a concurrent append, answered with its own error otherwise), as if there were no groups.

Groups are per process; while one commits, the next ones are formed and decided (`in_flight` groups at
once, MEMBERS_GROUP_COMMIT_IN_FLIGHT); they queue for the append lock, which each holds until its commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

import asyncpg

from services.members.adapters import idempotency
from services.members.adapters.group_commit import Group, GroupedUnitOfWork
from services.members.adapters.idempotency import IdempotencyKey
from services.members.domain.errors import DomainError
from services.members.service_layer.transaction import Body, Work, execute, plain_json
from shared.auth import Principal
from shared.clock import Clock, utc_now
from shared.event_store import EventStore

log = logging.getLogger(__name__)


@dataclass
class Request:
    principal: Principal
    work: Work
    idempotency_key: IdempotencyKey | None
    status_code: int
    answer: asyncio.Future[Body] = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def key_name(self) -> tuple[str, str, str] | None:
        k = self.idempotency_key
        return None if k is None else (k.principal, k.route, k.key)


@dataclass
class Outcome:
    request: Request
    body: Body | None = None
    error: BaseException | None = None


class CommitGroups:
    """The process's group committer: `submit` a use case, get its answer once its group has committed."""

    def __init__(self, pool: asyncpg.Pool, *, window: float, max_size: int, in_flight: int = 2,
                 token_secret: str = "", clock: Clock = utc_now) -> None:
        self.pool, self.window, self.max_size = pool, window, max(1, max_size)
        self.token_secret, self.clock = token_secret, clock
        self._queue: list[Request] = []
        self._arrived = asyncio.Event()
        self._slots = asyncio.Semaphore(max(1, in_flight))
        self._runner: asyncio.Task[None] | None = None
        self._groups: set[asyncio.Task[None]] = set()

    async def submit(self, principal: Principal, work: Work, *, idempotency_key: IdempotencyKey | None,
                     status_code: int = 201) -> Body:
        if self.max_size == 1:  # grouping switched off: one transaction per request, as before
            return await execute(self.pool, principal, work, idempotency_key=idempotency_key, clock=self.clock,
                                 token_secret=self.token_secret, status_code=status_code)
        request = Request(principal, work, idempotency_key, status_code)
        self._queue.append(request)
        self._arrived.set()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._form_groups(), name="members-commit-groups")
        # shielded: a client that hangs up does not take its request out of a group being written
        return await asyncio.shield(request.answer)

    async def close(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        if self._groups:
            await asyncio.gather(*self._groups, return_exceptions=True)
        leftover, self._queue = self._queue, []  # (the server drains requests first: normally none)
        for outcome in await asyncio.gather(*(self._alone(r) for r in leftover)):
            self._answer(outcome)

    async def _form_groups(self) -> None:
        while True:
            await self._arrived.wait()
            if len(self._queue) < self.max_size and self.window > 0:
                await asyncio.sleep(self.window)  # let the rest of the burst arrive (bounded)
            await self._slots.acquire()
            group, self._queue = self._take(self._queue)
            if not self._queue:
                self._arrived.clear()
            if not group:
                self._slots.release()
                continue
            task = asyncio.create_task(self._commit(group))
            self._groups.add(task)
            task.add_done_callback(self._groups.discard)

    def _take(self, queue: list[Request]) -> tuple[list[Request], list[Request]]:
        """Up to max_size requests, oldest first; a second request with a key already in the group waits
        for the next group (it must see the first one's stored answer)."""
        group: list[Request] = []
        rest: list[Request] = []
        keys: set[tuple[str, str, str]] = set()
        for request in queue:
            name = request.key_name()
            if len(group) >= self.max_size or (name is not None and name in keys):
                rest.append(request)
                continue
            if name is not None:
                keys.add(name)
            group.append(request)
        return group, rest

    async def _commit(self, requests: list[Request]) -> None:
        try:
            try:
                outcomes = await self._in_one_transaction(requests)
            except Exception: # the group's write failed as a whole: each runs again on its own
                log.info("a commit group of %d failed as a whole; its requests run one by one", len(requests),
                         exc_info=True)
                outcomes = await asyncio.gather(*(self._alone(r) for r in requests))
            if any(r.idempotency_key is not None for r in requests):
                await idempotency.sweep(self.pool)
            for outcome in outcomes:
                self._answer(outcome)
        except BaseException as exc:  # never leave a request waiting
            for request in requests:
                self._answer(Outcome(request, error=exc if isinstance(exc, Exception) else RuntimeError(exc)))
            raise
        finally:
            self._slots.release()

    @staticmethod
    def _answer(outcome: Outcome) -> None:
        if outcome.request.answer.done():
            return
        if outcome.error is not None:
            outcome.request.answer.set_exception(outcome.error)
        else:
            assert outcome.body is not None
            outcome.request.answer.set_result(outcome.body)

    async def _alone(self, request: Request) -> Outcome:
        try:
            return Outcome(request, body=await execute(
                self.pool, request.principal, request.work, idempotency_key=request.idempotency_key,
                clock=self.clock, token_secret=self.token_secret, status_code=request.status_code))
        except Exception as exc: # handed to the request's route, which answers it
            return Outcome(request, error=exc)

    async def _in_one_transaction(self, requests: list[Request]) -> list[Outcome]:
        outcomes = [Outcome(r) for r in requests]
        async with self.pool.acquire() as conn, conn.transaction():
            group = Group(conn, EventStore(self.pool))
            keyed = [o for o in outcomes if o.request.idempotency_key is not None]
            claims = await idempotency.claim_all(conn, [o.request.idempotency_key for o in keyed
                                                        if o.request.idempotency_key is not None])
            replayed: set[int] = set()
            for outcome, claim in zip(keyed, claims, strict=True):
                if isinstance(claim, idempotency.KeyReused):
                    outcome.error = claim
                elif claim is not None:
                    outcome.body = claim
                if claim is not None:
                    replayed.add(id(outcome))
            decided: list[tuple[Outcome, GroupedUnitOfWork, Body]] = []
            for outcome in outcomes:
                if id(outcome) in replayed:
                    continue
                uow = GroupedUnitOfWork(group, outcome.request.principal, self.clock, self.token_secret)
                try:
                    body = await outcome.request.work(uow)
                except DomainError as exc:  # refused alone: its kept writes are dropped with it
                    outcome.error = exc
                    continue
                group.accept(uow)
                decided.append((outcome, uow, body))
            await group.flush()
            answers: list[tuple[IdempotencyKey, int, Body]] = []
            for outcome, uow, body in decided:
                body["position"] = uow.last_position
                outcome.body = plain_json(body)
                if outcome.request.idempotency_key is not None:
                    answers.append((outcome.request.idempotency_key, outcome.request.status_code, outcome.body))
            await idempotency.store_all(conn, answers)
        return outcomes

