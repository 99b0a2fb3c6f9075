"""How many event streams are open, per member and per chapter: each open stream holds a connection and a
waiter, so one leader (or a script with a leaked token) cannot open hundreds. Counted in the process, which
is where the connections are: with several processes (replicas, workers) each allows that many, so the caps
bound what one process holds, and a load balancer spreading a member's streams may let N processes hold N times
the caps (docs/scale-out.md)."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterable, Callable

from fastapi import HTTPException
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send


class StreamSlots:
    def __init__(self, per_member: int, per_chapter: int) -> None:
        self.per_member = per_member
        self.per_chapter = per_chapter
        self.members: Counter[str] = Counter()
        self.chapters: Counter[str] = Counter()

    def take(self, holder: str, chapter_id: str) -> Callable[[], None]:
        """A slot for one more stream of `holder` (a member, or the admin token) on `chapter_id`, or 429.
        Returns its release (call it once)."""
        if self.members[holder] >= self.per_member:
            raise HTTPException(429, f"at most {self.per_member} open event streams per member",
                                headers={"Retry-After": "10"})
        if self.chapters[chapter_id] >= self.per_chapter:
            raise HTTPException(429, f"at most {self.per_chapter} open event streams per chapter",
                                headers={"Retry-After": "10"})
        self.members[holder] += 1
        self.chapters[chapter_id] += 1

        def release() -> None:
            for counts, key in ((self.members, holder), (self.chapters, chapter_id)):
                counts[key] -= 1
                if counts[key] <= 0:
                    del counts[key]

        return release


class SlotStreamingResponse(StreamingResponse):
    """A stream that gives its slot back however it ends: finished, client gone, or never started (a
    generator that never ran would not run its own `finally`)."""

    def __init__(self, content: AsyncIterable[str], release: Callable[[], None], **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()
