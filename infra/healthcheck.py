"""The container's health probe: exit 0 when the service in this container answers 200 on /health/ready.

`python -m infra.healthcheck [URL]`; without a URL it asks http://127.0.0.1:<port>/health/ready, the port
being REFNET_HEALTH_PORT, else the first of the services' ports (8001, 8002, 8003) that is listening (a
container runs one service). Standard library only, so the probe costs no import of the service's stack.
"""

from __future__ import annotations

import os
import socket
import sys
import urllib.error
import urllib.request

PORTS = (8001, 8002, 8003)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def ready_url() -> str:
    port = os.environ.get("REFNET_HEALTH_PORT")
    if port is None:
        port = str(next((p for p in PORTS if _listening(p)), PORTS[0]))
    return f"http://127.0.0.1:{port}/health/ready"


def main(argv: list[str]) -> int:
    url = argv[1] if len(argv) > 1 else ready_url()
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return 0 if answer.status == 200 else 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"{url}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv))
