"""`refnet`: one command for the infrastructure, the three services, rebuilds, docs and the demo."""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from infra.local import external_servers, stack_for
from infra.processes import free_port, read_pid, stop_pid
from infra.supervisor import Supervisor
from shared.logs import logging_config
from shared.settings import (
    SCALES_ACROSS_WORKERS,
    SECRETS_FILE,
    SERVICE_PORTS,
    load_settings,
    service_port,
    service_workers,
)

app = typer.Typer(help="refnet: event-sourced referral tracking for business-networking chapters.",
                  no_args_is_help=True)
infra_app = typer.Typer(help="Local Kafka and PostgreSQL (not needed when KAFKA_BOOTSTRAP_SERVERS and "
                             "DATABASE_URL name existing servers).", no_args_is_help=True)
referrals_app = typer.Typer(help="The referrals service's projections.", no_args_is_help=True)
app.add_typer(infra_app, name="infra")
app.add_typer(referrals_app, name="referrals")
import_app = typer.Typer(help="Import a chapter's history from another tool's spreadsheets.", no_args_is_help=True)
app.add_typer(import_app, name="import")
dlq_app = typer.Typer(help="Dead-letter topics: what consumers set aside, and sending it back.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")

SERVICES = tuple(SERVICE_PORTS)


def _environment() -> dict[str, str]:
    """The environment a service process needs: the caller's servers, or the local stack's."""
    env = dict(os.environ)
    if not external_servers():
        env.update(stack_for().environment())
    return env


@infra_app.command("up")
def infra_up() -> None:
    """Fetch Kafka if needed and start Kafka and PostgreSQL as local processes."""
    if external_servers():
        typer.echo("KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL are set: using those servers, starting nothing.")
        return
    started = time.monotonic()
    env = stack_for().up()
    typer.echo(f"Kafka:      {env['KAFKA_BOOTSTRAP_SERVERS']}")
    typer.echo(f"PostgreSQL: {env['DATABASE_URL']}")
    typer.echo(f"ready in {time.monotonic() - started:.1f}s")


@infra_app.command("down")
def infra_down() -> None:
    """Stop the local Kafka and PostgreSQL."""
    stack_for().down()
    typer.echo("stopped")


@infra_app.command("status")
def infra_status() -> None:
    for name, state in stack_for().status().items():
        typer.echo(f"{name:10} {state}")


@app.command()
def serve(service: Annotated[str, typer.Argument(help="members | referrals | notifications")],
          port: Annotated[int | None, typer.Option(help="default: 8001/8002/8003 or REFNET_<SERVICE>_PORT")] = None,
          host: str = "127.0.0.1",
          workers: Annotated[int | None, typer.Option(help="worker processes; default "
                                                           "REFNET_<SERVICE>_WORKERS, else 1")] = None,
          ) -> None:
    """Run one service in the foreground."""
    import uvicorn

    if service not in SERVICES:
        raise typer.BadParameter(f"service must be one of {', '.join(SERVICES)}")
    if workers is not None and workers > 1 and service not in SCALES_ACROSS_WORKERS:
        raise typer.BadParameter(f"{service} runs in one process", param_hint="--workers")
    os.environ.update(_environment())
    count = workers or service_workers(service)
    # JSON lines on stdout, uvicorn's loggers included; the access log is refnet's own (shared.operations)
    logs = logging_config(service)
    if count == 1:
        module = importlib.import_module(f"services.{service}.entrypoints.app")
        uvicorn.run(module.create_app(load_settings()), host=host, port=port or service_port(service),
                    log_config=logs, access_log=False)
    else:  # each worker process builds its app from the environment set above
        uvicorn.run(f"services.{service}.entrypoints.app:create_app", factory=True, workers=count, host=host,
                    port=port or service_port(service), log_config=logs, access_log=False)


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited with {proc.returncode}; see {log}:\n"
                               + "\n".join(log.read_text(errors="replace").splitlines()[-20:]))
        try:
            if httpx.get(f"{url}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url}/health/ready did not answer 200 within {timeout:.0f}s; see {log}")


@app.command()
def up(demo: Annotated[bool, typer.Option(help="record the demo chapter once everything runs")] = True,
       live: Annotated[bool, typer.Option(help="keep recording slips so the dashboard moves")] = False,
       demo_weeks: Annotated[int, typer.Option(help="weeks of chapter life the demo records")] = 52) -> None:
    """Start everything (infrastructure, the three services, the demo chapter) until Ctrl-C."""
    stack = stack_for()
    if not external_servers():
        infra_up()
    # the launcher runs all three services here, so its state directory's secrets serve them all, also
    # against servers named by the environment (a bare `refnet serve` there refuses to start without them)
    env = {**stack.secrets(), **{k: v for k, v in _environment().items() if v}}
    logs = stack.state / "logs"
    supervisor = Supervisor(echo=typer.echo)

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if "NOTIFICATIONS_SMTP_HOST" not in env:  # no mail server named: catch e-mail in a local folder
            mail_port = free_port(8025)
            env.update(NOTIFICATIONS_SMTP_HOST="127.0.0.1", NOTIFICATIONS_SMTP_PORT=str(mail_port))
            mailbox = [sys.executable, "-m", "infra.mailbox", str(stack.state / "mail"), str(mail_port)]
            supervisor.add("mailbox", mailbox, None, logs / "mailbox.log", stack.state / "mailbox.pid")
        members, referrals = service_port("members"), service_port("referrals")  # links and the dashboard's renewal
        env.setdefault("REFNET_MEMBERS_PUBLIC_URL", f"http://127.0.0.1:{members}")
        env.setdefault("REFNET_DASHBOARD_ORIGINS", f"http://127.0.0.1:{referrals},http://localhost:{referrals}")
        for service in SERVICES:  # restarted with backoff whenever one exits, until Ctrl-C (infra/supervisor.py)
            supervisor.add(service, [sys.executable, "-m", "infra.cli", "serve", service], env,
                           logs / f"{service}.log", stack.state / f"{service}.pid")
        for service in SERVICES:
            _wait_healthy(f"http://127.0.0.1:{service_port(service)}", supervisor.process(service),
                          logs / f"{service}.log")
        typer.echo("\nrefnet is running:")
        for service in SERVICES:
            url = f"http://127.0.0.1:{service_port(service)}"
            typer.echo(f"  {service:14} {url}   (API docs: {url}/docs)")
        typer.echo(f"  admin token    {env['REFNET_ADMIN_TOKEN']}", nl=True)
        if not os.environ.get("REFNET_ADMIN_TOKEN"):
            typer.echo(f"  secrets        {stack.state / SECRETS_FILE} (made once for this state directory)")
        if "mailbox" in supervisor.children:
            typer.echo(f"  e-mail         caught as .eml files in {stack.state / 'mail'}")
        sys.stdout.flush()
        if demo:
            _run_demo(env, live=False, weeks=demo_weeks)
        if live:
            typer.echo("recording a slip every few seconds (Ctrl-C to stop) ...")
            _run_demo(env, live=True, weeks=demo_weeks)
        typer.echo("\nCtrl-C stops everything; a service that exits is started again.")
        sys.stdout.flush()
        supervisor.watch()
    except KeyboardInterrupt:
        pass
    finally:
        typer.echo("\nstopping refnet ...")
        supervisor.stop()
        if not external_servers():
            stack.down()
        typer.echo("stopped")


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def _run_demo(env: dict[str, str], live: bool, weeks: int) -> None:
    args = [sys.executable, "-m", "infra.cli", "demo", "--weeks", str(weeks),
            "--members-url", f"http://127.0.0.1:{service_port('members')}",
            "--referrals-url", f"http://127.0.0.1:{service_port('referrals')}"] + (["--live"] if live else [])
    subprocess.run(args, env=env, check=False)


@app.command()
def down() -> None:
    """Stop whatever `make up` left running (services and local infrastructure)."""
    stack = stack_for()
    for service in (*SERVICES, "mailbox"):
        pid_file = stack.state / f"{service}.pid"
        pid = read_pid(pid_file)
        if pid is not None:
            stop_pid(pid, timeout=20)
        pid_file.unlink(missing_ok=True)
    stack.down()
    typer.echo("stopped")


@referrals_app.command("rebuild")
def referrals_rebuild() -> None:
    """Replay the topics into fresh projection tables and swap them in without downtime."""
    os.environ.update(_environment())
    from services.referrals.service_layer.parallel_replay import run_fast
    from services.referrals.service_layer.rebuild import rebuild

    run_fast(rebuild(load_settings()))


@app.command()
def demo(seed: int = 7, live: Annotated[bool, typer.Option(help="keep recording slips")] = False,
         weeks: int = 52, members_url: str = "http://127.0.0.1:8001",
         referrals_url: str = "http://127.0.0.1:8002") -> None:
    """Create a demo chapter and play a year of weekly meetings through the public HTTP API."""
    from infra.demo import run_demo

    # the local mail catcher's folder, if `refnet up` runs one: the leader's sign-in link is read from it
    mail_dir = stack_for().state / "mail"
    admin_token = load_settings().admin_token
    year = asyncio.run(run_demo(members_url=members_url, referrals_url=referrals_url, seed=seed, live=live,
                                weeks=weeks, admin_token=admin_token, mail_dir=mail_dir if mail_dir.is_dir() else None))
    from infra.demo_asks import record_asks

    typer.echo(f"asks: {asyncio.run(record_asks(members_url, admin_token, year))} members say what they look for")


@import_app.command("slips")
def import_slips_command(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="slips file (.csv or .xlsx)")],
        chapter: Annotated[str, typer.Option("--chapter", help="the chapter's id")],
        roster: Annotated[Path | None, typer.Option(exists=True, dir_okay=False,
                                                    help="roster file, imported first")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="report; record nothing")] = False,
        members_url: str = "http://127.0.0.1:8001",
        token: Annotated[str | None, typer.Option(envvar="REFNET_TOKEN",
                                                  help="a leader's token (default: the admin token)")] = None) -> None:
    """Import slips (and a roster) into a chapter through the members API; see docs/import.md.
    Exits 1 when a row was refused (each refusal is printed with its row number and reason)."""
    from infra.import_command import import_slips, refused_rows

    job = import_slips(file, chapter, roster=roster, dry_run=dry_run, members_url=members_url, token=token,
                       echo=typer.echo)
    raise typer.Exit(1 if refused_rows(job) else 0)


@app.command("docs")
def export_docs(out: Path = Path("docs")) -> None:
    """Write each event type's JSON Schema to docs/events/ and the AsyncAPI documents to docs/asyncapi/."""
    from infra.contract import export_contract

    for path in export_contract(out):
        typer.echo(f"wrote {path}")


@dlq_app.command("list")
def dlq_list(topic: Annotated[str, typer.Argument(help="a topic (its .dlt is read) or a .dlt topic, with prefix")]
             ) -> None:
    """Every dead letter of a topic: where it was, its event, and why it was set aside."""
    from infra.dead_letters import list_dead_letters

    os.environ.update(_environment())
    letters = asyncio.run(list_dead_letters(load_settings().kafka_bootstrap_servers, topic))
    for letter in letters:
        typer.echo(f"{letter.partition}@{letter.offset}  {letter.event_type}  {letter.event_id}  "
                   f"[{letter.consumer}] {letter.reason}")
    typer.echo(f"{len(letters)} dead letter(s)")


@dlq_app.command("replay")
def dlq_replay(topic: Annotated[str, typer.Argument(help="a topic (its .dlt is replayed) or a .dlt topic")]) -> None:
    """Send the dead letters not replayed yet back to their topic (after fixing what made them fail)."""
    from infra.dead_letters import replay_dead_letters

    os.environ.update(_environment())
    settings = load_settings()
    sent = asyncio.run(replay_dead_letters(settings.kafka_bootstrap_servers, topic, settings.topic_prefix))
    typer.echo(f"replayed {sent} dead letter(s)")


if __name__ == "__main__":
    app()
