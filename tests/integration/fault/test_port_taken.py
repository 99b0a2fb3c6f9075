"""A port taken between choosing it and binding it: two stacks starting side by side on one machine (two test
runs, `make up` next to `make test`) can pick the same free port. The broker that loses must not report
itself ready because the winner answers there: it moves to other ports, or says that its port is taken.
"""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from infra.kafka_server import KafkaServer
from infra.processes import PortTaken, listens, read_pid
from tests.conftest import ROOT

pytestmark = pytest.mark.fault


@pytest.fixture
def home() -> Iterator[Path]:
    path = ROOT / ".refnet" / "test" / f"taken-{uuid.uuid4().hex[:8]}"
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def squatter() -> Iterator[int]:
    """Another process's server on a port: it accepts connections and is not Kafka."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_broker_whose_port_is_taken_says_so_instead_of_answering_with_the_other_server(
        home: Path, squatter: int) -> None:
    kafka = KafkaServer(home / "kafka", port=squatter)
    try:
        with pytest.raises(PortTaken, match=f"127.0.0.1:{squatter}"):
            kafka.start(timeout=90)
        assert read_pid(kafka.pid_file) is None, "the broker that lost its port is still counted as running"
    finally:
        kafka.stop()


async def test_a_stack_whose_broker_port_is_taken_moves_to_a_free_one_and_is_a_broker(
        home: Path, squatter: int) -> None:
    kafka = KafkaServer(home / "kafka", port=squatter)
    try:
        kafka.start_on_a_free_port()
        pid = read_pid(kafka.pid_file)
        assert kafka.port != squatter and pid is not None and listens(pid, kafka.port)
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
        await admin.start()
        try:
            assert [broker["port"] for broker in (await admin.describe_cluster())["brokers"]] == [kafka.port]
        finally:
            await admin.close()
    finally:
        kafka.stop()
