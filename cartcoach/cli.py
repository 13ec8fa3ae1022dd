"""The ``cartcoach`` command: one entry point for the API, the worker and the model tools."""

from __future__ import annotations

import dataclasses
import gc
import logging
import webbrowser

import typer
import uvicorn

from cartcoach import account_commands, flows_commands, model_commands, policy_commands
from cartcoach.metrics_endpoint import serve_metrics
from cartcoach.settings import DEFAULT_STORES_FILE, Settings

#: The demo store's public write key and secret key (cartcoach/demo_stores.yaml).
DEMO_WRITE_KEY = "wk_demo_public_0001"
DEMO_SECRET_KEY = "sk_demo_secret_change_me"
#: The demo's dashboard owner, made at start-up when the demo stores file is served (README).
DEMO_OWNER_EMAIL = "owner@demo.cartcoach.dev"
DEMO_OWNER_PASSWORD = "demo-owner-change-me"
#: ``--demo-traffic`` plays follow-up flows this much faster: 24 hours in a minute.
DEMO_FLOW_SPEEDUP = 1440.0

app = typer.Typer(
    help="Cart-abandonment coach: why shoppers leave, and the one honest nudge that answers it.",
    no_args_is_help=True,
)

app.add_typer(model_commands.app, name="model", help="Simulate shoppers, evaluate models, check on real data.")
app.add_typer(policy_commands.app, name="policy", help="Compare nudge policies: simulate, evaluate on logs, train.")
app.add_typer(flows_commands.app, name="flows", help="The follow-up flows worker; `flows vapid` makes a store's web push keys.")
app.add_typer(account_commands.stores_app, name="stores", help="Import a stores file into the database, or export it.")
app.add_typer(account_commands.users_app, name="users", help="Dashboard users: add one with a role on stores.")


@app.callback()
def main() -> None:
    """Cart-abandonment coach."""


def freeze_startup_heap() -> None:
    """Hide the objects that exist once the app is built from Python's cycle collector.

    Imports (Faust, River, numpy, Starlette) leave about 170,000 long-lived objects,
    and every full collection walked them all again: in the worker, the event loop
    stopped for 100-150 ms a few times a minute, and the slowest profiles waited.
    They live as long as the process, so the collector has nothing to find in them.
    """
    gc.freeze()


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default CARTCOACH_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default CARTCOACH_PORT or 8000)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the demo store in a browser."),
    demo_traffic: bool = typer.Option(
        False, "--demo-traffic", help="Also drive simulated shoppers into the demo store (moves the dashboard)."
    ),
    traffic_rate: float = typer.Option(2.0, help="Simulated shoppers a second with --demo-traffic."),
) -> None:
    """Run the API: collector, overlay endpoint, demo store and dashboard.

    With no KAFKA_BOOTSTRAP_SERVERS set, everything runs in this one process.
    """
    from overlay_api.app import create_app

    settings = Settings.from_env()
    # The app is told where it listens: stores with allow_own_origin (the demo) accept it.
    settings = dataclasses.replace(settings, host=host or settings.host, port=port or settings.port)
    if demo_traffic:  # a newcomer sees a whole flow in a minute, recorded in the outbox, nothing sent
        settings = dataclasses.replace(settings, flow_speedup=DEMO_FLOW_SPEEDUP, flows_dry_run=True)
    demo_owner = settings.owner_email is None and settings.stores_file == DEFAULT_STORES_FILE
    if demo_owner:  # a newcomer can sign in to the dashboard at once
        settings = dataclasses.replace(settings, owner_email=DEMO_OWNER_EMAIL, owner_password=DEMO_OWNER_PASSWORD)
    host, port = settings.host, settings.port
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    mode = "embedded (no servers)" if settings.embedded else f"Kafka at {settings.kafka_bootstrap_servers}"
    typer.echo(f"cartcoach: {mode}; stores from {settings.stores_file}")
    typer.echo(f"cartcoach: demo store at http://{host}:{port}/demo/")
    typer.echo(f"cartcoach: CRO dashboard at http://{host}:{port}/dashboard")
    if demo_owner:
        typer.echo(f"cartcoach: dashboard sign-in for the demo store: {DEMO_OWNER_EMAIL} / {DEMO_OWNER_PASSWORD}")
    if demo_traffic:
        from cartcoach.traffic import drive_in_background

        from nudges.stores import StoreRegistry

        demo = StoreRegistry.from_file(settings.stores_file).by_write_key(DEMO_WRITE_KEY)
        # The simulated shoppers sign their orders as the demo store's back end would.
        drive_in_background(f"http://{host}:{port}", DEMO_WRITE_KEY, traffic_rate, demo and demo.secret_key)
        typer.echo(f"cartcoach: follow-up messages at http://{host}:{port}/dashboard/outbox (24 h of flow in a minute)")
    if open_browser:
        webbrowser.open(f"http://{host}:{port}/demo/")
    api = create_app(settings)
    if serve_metrics(settings.metrics_host, settings.api_metrics_port):
        typer.echo(f"cartcoach: metrics at http://{settings.metrics_host}:{settings.api_metrics_port}/metrics")
    freeze_startup_heap()
    uvicorn.run(api, host=host, port=port, log_level="warning")


@app.command()
def traffic(
    url: str = typer.Option("http://127.0.0.1:8000", help="The running API."),
    rate: float = typer.Option(2.0, "--rate", help="New simulated shoppers per second."),
    write_key: str = typer.Option(DEMO_WRITE_KEY, help="The store's public write key."),
    speed: float = typer.Option(20.0, help="How much faster than real time sessions play."),
    sessions: int = typer.Option(None, help="Stop after starting this many (default: until Ctrl-C)."),
    seed: int = typer.Option(None, help="Seed for reproducible shoppers."),
) -> None:
    """Drive simulated shoppers through a running API (collect and overlay), for demos."""
    import asyncio

    from cartcoach.traffic import drive

    typer.echo(f"cartcoach traffic: {rate:g} shoppers/s into {url} (Ctrl-C to stop)")
    try:
        stats = asyncio.run(drive(url, write_key, rate, speed=speed, sessions=sessions, seed=seed))
    except KeyboardInterrupt:
        return
    typer.echo(f"{stats.sessions} sessions, {stats.batches} batches ({stats.rejected} rejected), "
               f"{stats.overlays} overlays shown, {stats.failed} cut short (API unreachable)")


@app.command()
def watch(
    url: str = typer.Option("http://127.0.0.1:8000", help="The running API."),
    secret_key: str = typer.Option(..., envvar="CARTCOACH_SECRET_KEY", help="The store's secret key."),
    reason: str = typer.Option(None, help="Only this top reason (price, trust, shipping_speed, ...)."),
    device: str = typer.Option(None, help="Only this device (mobile, desktop, tablet)."),
) -> None:
    """Follow live abandonment profiles in the terminal (the dashboard's feed)."""
    from rich.console import Console

    from cartcoach.watch import watch as follow

    try:
        follow(url, secret_key, reason, device, Console())
    except KeyboardInterrupt:
        return


@app.command()
def worker(
    loglevel: str = typer.Option("warn", help="Faust log level: crit, error, warn, info, debug."),
) -> None:
    """Run the stream worker (Faust): events in, live profiles out, online learning.

    Needs KAFKA_BOOTSTRAP_SERVERS and REDIS_URL. Start more workers with the same
    CARTCOACH_STREAM_APP_ID to share the partitions.
    """
    import asyncio

    import uvloop
    from faust import Worker

    from stream.faust_app import create_stream_app
    from stream.topics import ensure_topics, topic_plan

    settings = Settings.from_env()
    if settings.embedded or not settings.redis_url:
        typer.echo("cartcoach worker: set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL "
                   "(the embedded default runs the stream inside `cartcoach serve`)", err=True)
        raise typer.Exit(2)
    asyncio.run(ensure_topics(settings.kafka_bootstrap_servers, topic_plan(settings)))
    # uvloop's event loop: Faust spends most of its time in the loop's own machinery
    # (a task or two per record), and uvloop does that work in C.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    stream_app = create_stream_app(settings)
    if serve_metrics(settings.metrics_host, settings.worker_metrics_port):
        typer.echo(f"cartcoach worker: metrics at http://{settings.metrics_host}:{settings.worker_metrics_port}/metrics")
    freeze_startup_heap()
    run = Worker(stream_app, loglevel=loglevel)
    # Faust's terminal spinner (on at warn and above) sets the root logger to DEBUG, so
    # aiokafka and Faust built a log record for every message they sent (75,000 records,
    # 7 s of CPU, in a profiled 60 s drain). Nobody watches a spinner on a server.
    run.spinner = None
    run.execute_from_commandline()


if __name__ == "__main__":
    app()
