"""A one-node Apache Kafka 4 broker in KRaft combined mode, fetched from Maven Central.

The jars come from `infra/kafka/pom.xml` through Maven into `<state>/kafka/libs`; the broker runs on the
machine's Java 17 with a bounded heap. Everything it writes stays under the state directory.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient

from infra.processes import PortTaken, free_port, port_open, read_pid, stop_pid, wait_for_port

POM = Path(__file__).parent / "kafka" / "pom.xml"
HEAP = "-Xms256m -Xmx768m"

LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="out"/></Root>
    <Logger name="kafka.server.KafkaServer" level="INFO"/>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
  </Loggers>
</Configuration>
"""


@dataclass
class KafkaServer:
    home: Path
    port: int = 9092

    @property
    def libs(self) -> Path:
        return self.home / "libs"

    @property
    def pid_file(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "kafka.log"

    @property
    def bootstrap(self) -> str:
        return f"localhost:{self.port}"

    def fetch(self) -> None:
        """Copy Kafka and its runtime dependencies from Maven Central (cached in ~/.m2 and here)."""
        marker = self.libs / ".complete"
        if marker.exists():
            return
        self.libs.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(POM), "dependency:copy-dependencies",
             "-DincludeScope=runtime", f"-DoutputDirectory={self.libs.resolve()}"],
            check=True,
        )
        marker.touch()

    def _java(self, main: str, *args: str, heap: str = "-Xmx256m") -> list[str]:
        java = shutil.which("java") or "java"
        return [
            java, *heap.split(), "-XX:+UseG1GC", "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.xml'}",
            "-cp", f"{self.libs.resolve()}/*", main, *args,
        ]

    def _write_config(self) -> Path:
        controller_port = free_port(self.port + 1000) if not (self.home / "server.properties").exists() else None
        config = self.home / "server.properties"
        if controller_port is None:
            return config
        data = self.home / "data"
        config.write_text(
            "\n".join([
                "process.roles=broker,controller",
                "node.id=1",
                f"controller.quorum.bootstrap.servers=localhost:{controller_port}",
                f"listeners=PLAINTEXT://localhost:{self.port},CONTROLLER://localhost:{controller_port}",
                f"advertised.listeners=PLAINTEXT://localhost:{self.port}",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                f"log.dirs={data.resolve()}",
                "num.partitions=3",
                # one node: internal topics cannot have more replicas than brokers
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "min.insync.replicas=1",
                "default.replication.factor=1",
                "auto.create.topics.enable=true",
                "group.initial.rebalance.delay.ms=0",
                "offsets.topic.num.partitions=3",
                "log.retention.hours=-1",
                "",
            ])
        )
        return config

    def start(self, timeout: float = 90.0) -> float:
        """Start the broker unless it runs already; returns the seconds it took to answer."""
        started = time.monotonic()
        if read_pid(self.pid_file) is not None and port_open("127.0.0.1", self.port):
            return 0.0
        self.home.mkdir(parents=True, exist_ok=True)
        self.fetch()
        (self.home / "log4j2.xml").write_text(LOG4J2)
        config = self._write_config()
        if not (self.home / "data" / "meta.properties").exists():
            subprocess.run(
                self._java("kafka.tools.StorageTool", "format", "--standalone",
                           "-t", str(uuid.uuid4().hex[:22]), "-c", str(config)),
                check=True, stdout=subprocess.DEVNULL,
            )
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                self._java("kafka.Kafka", str(config), heap=HEAP),
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        try:
            wait_for_port("127.0.0.1", self.port, timeout, "Kafka", self.log_file, owner=proc)
        except PortTaken:
            stop_pid(proc.pid, timeout=30)
            self.pid_file.unlink(missing_ok=True)
            raise
        return time.monotonic() - started

    def start_on_a_free_port(self, attempts: int = 3) -> float:
        """`start()`, moving to other ports when another process took ours between choosing and binding it
        (two stacks starting side by side on one machine)."""
        for _ in range(attempts - 1):
            try:
                return self.start()
            except PortTaken:
                (self.home / "server.properties").unlink(missing_ok=True)  # it names the ports
                self.port = free_port(self.port)
        return self.start()

    def stop(self) -> None:
        pid = read_pid(self.pid_file)
        if pid is not None:
            stop_pid(pid, timeout=60)
        self.pid_file.unlink(missing_ok=True)

    def kill(self) -> None:
        """kill -9, for fault-injection tests."""
        pid = read_pid(self.pid_file)
        if pid is not None:
            import os
            import signal

            os.kill(pid, signal.SIGKILL)
            while True:
                try:
                    os.waitpid(pid, 0)
                except ChildProcessError:
                    break
                time.sleep(0.05)

    def running(self) -> bool:
        return read_pid(self.pid_file) is not None


async def wait_for_kafka(bootstrap: str, timeout: float = 60.0) -> None:
    """Until the broker answers a metadata request (an open port is not yet a working broker)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
        finally:
            with contextlib.suppress(Exception):
                await admin.close()
