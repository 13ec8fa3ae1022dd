"""The ``cartcoach`` command: one entry point for the API, the worker and the model tools."""

from __future__ import annotations

import logging
import webbrowser

import typer
import uvicorn

from cartcoach.settings import Settings

app = typer.Typer(
    help="Cart-abandonment coach: why shoppers leave, and the one honest nudge that answers it.",
    no_args_is_help=True,
)


@app.callback()
def main() -> None:
    """Cart-abandonment coach."""


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default CARTCOACH_HOST or 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default CARTCOACH_PORT or 8000)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the demo store in a browser."),
) -> None:
    """Run the API: collector, overlay endpoint, demo store and dashboard.

    With no KAFKA_BOOTSTRAP_SERVERS set, everything runs in this one process.
    """
    from overlay_api.app import create_app

    settings = Settings.from_env()
    host = host or settings.host
    port = port or settings.port
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    mode = "embedded (no servers)" if settings.embedded else f"Kafka at {settings.kafka_bootstrap_servers}"
    typer.echo(f"cartcoach: {mode}; stores from {settings.stores_file}")
    typer.echo(f"cartcoach: demo store at http://{host}:{port}/demo/")
    if open_browser:
        webbrowser.open(f"http://{host}:{port}/demo/")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")


@app.command()
def worker(
    loglevel: str = typer.Option("warn", help="Faust log level: crit, error, warn, info, debug."),
) -> None:
    """Run the stream worker (Faust): events in, live profiles out, online learning.

    Needs KAFKA_BOOTSTRAP_SERVERS and REDIS_URL. Start more workers with the same
    CARTCOACH_STREAM_APP_ID to share the partitions.
    """
    import asyncio

    from faust import Worker

    from stream.faust_app import create_stream_app
    from stream.topics import ensure_topics, topic_plan

    settings = Settings.from_env()
    if settings.embedded or not settings.redis_url:
        typer.echo("cartcoach worker: set KAFKA_BOOTSTRAP_SERVERS and REDIS_URL "
                   "(the embedded default runs the stream inside `cartcoach serve`)", err=True)
        raise typer.Exit(2)
    asyncio.run(ensure_topics(settings.kafka_bootstrap_servers, topic_plan(settings)))
    Worker(create_stream_app(settings), loglevel=loglevel).execute_from_commandline()


if __name__ == "__main__":
    app()
