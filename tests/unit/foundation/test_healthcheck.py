"""The container's health probe: healthy only on a 200 from /health/ready."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from infra import healthcheck


@pytest.fixture
def service() -> Iterator[tuple[int, list[int]]]:
    answers = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(answers[0] if self.path == "/health/ready" else 404)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], answers
    finally:
        server.shutdown()


def test_probe_is_healthy_on_200_and_unhealthy_on_503_or_no_answer(service: tuple[int, list[int]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    port, answers = service
    monkeypatch.setenv("REFNET_HEALTH_PORT", str(port))
    assert healthcheck.ready_url() == f"http://127.0.0.1:{port}/health/ready"
    assert healthcheck.main(["probe"]) == 0
    answers[0] = 503
    assert healthcheck.main(["probe"]) == 1
    assert healthcheck.main(["probe", "http://127.0.0.1:9/health/ready"]) == 1  # nothing listens
