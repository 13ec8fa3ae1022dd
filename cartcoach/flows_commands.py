"""``cartcoach flows``: the flows worker, and ``cartcoach flows vapid`` for a store's web push keys.

Run without a subcommand it is the worker (as before); ``vapid`` makes the store's VAPID
key pair once and prints the public key (the snippet fetches it from the API itself).
"""

from __future__ import annotations

import asyncio
import logging
import time

import typer

from cartcoach.settings import Settings

app = typer.Typer(no_args_is_help=False)


@app.callback(invoke_without_command=True)
def worker(ctx: typer.Context) -> None:
    """Run a follow-up flows worker: sends e-mail/SMS/WhatsApp/push steps as they fall due.

    Needs REDIS_URL (the pending steps) and CARTCOACH_DATABASE_URL (contacts, outbox);
    migrates the database first. Run as many as you like.
    """
    if ctx.invoked_subcommand is not None:
        return
    from cartcoach.flows_worker import run

    settings = Settings.from_env()
    if not settings.redis_url:
        typer.echo("cartcoach flows: set REDIS_URL (the embedded default runs flows inside `cartcoach serve`)", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(settings))


async def _vapid(settings: Settings, store_id: str, subject: str | None, rotate: bool) -> tuple[str, bool]:
    from database.engine import create_engine, session_factory
    from database.migrate import upgrade
    from flows.push_subscriptions import new_vapid_key, vapid_key
    from nudges.stores import StoreRegistry

    store = StoreRegistry.from_file(settings.stores_file).by_id(store_id)
    if store is None:
        raise typer.BadParameter(f"no store {store_id!r} in {settings.stores_file}", param_hint="--store")
    if subject is None:
        subject = next((o for o in store.allowed_origins if o.startswith("https://")), None)
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database)
    try:
        await upgrade(engine)
        async with session_factory(engine).begin() as db:
            existing = await vapid_key(db, store_id)
            if existing is not None and not rotate:
                return existing.public_key, False
            if subject is None or not subject.startswith(("mailto:", "https://")):
                raise typer.BadParameter("a mailto: address or https: URL push services can reach you at",
                                         param_hint="--subject")
            if existing is not None:
                await db.delete(existing)
                await db.flush()
            key = new_vapid_key(store_id, subject, int(time.time() * 1000))
            db.add(key)
            return key.public_key, True
    finally:
        await engine.dispose()


@app.command()
def vapid(
    store: str = typer.Option(..., "--store", help="The store's id in the stores file."),
    subject: str = typer.Option(None, help="Who push services contact about this sender: mailto:... or https://... "
                                           "(default: the store's first https origin)."),
    rotate: bool = typer.Option(False, help="Replace an existing pair. Every browser must subscribe again."),
) -> None:
    """Make the store's VAPID keys for web push (once) and print the public key."""
    public_key, made = asyncio.run(_vapid(Settings.from_env(), store, subject, rotate))
    typer.echo(public_key)
    typer.echo("made a new key pair" if made else "the store already has a key pair (--rotate replaces it)", err=True)
