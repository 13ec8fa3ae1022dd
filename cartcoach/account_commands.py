"""``cartcoach stores import|export`` and ``cartcoach users add``: the database's stores and
users from the command line (the same rules as the dashboard; see accounts/store_settings.py).

Once a store is imported the database's version is the one served: edit it in the
dashboard, or export, edit the file and import again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from accounts.models import ROLES
from accounts.service import Accounts
from accounts.store_settings import SettingsRefused, StoreSettings
from cartcoach.settings import Settings
from database.engine import create_engine, session_factory
from database.migrate import upgrade
from nudges.stores import StoreRegistry, StoresFileError

stores_app = typer.Typer(no_args_is_help=True)
users_app = typer.Typer(no_args_is_help=True)


async def _with_settings(settings: Settings, work):  # type: ignore[no-untyped-def]
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database)
    try:
        await upgrade(engine)
        store_settings = StoreSettings(
            session_factory(engine), lambda: StoreRegistry.from_file(settings.stores_file),
            base_dir=settings.stores_file.resolve().parent,
        )  # fmt: skip
        await store_settings.load()
        return await work(store_settings)
    finally:
        await engine.dispose()


@stores_app.command("import")
def import_stores(path: Path = typer.Argument(..., help="A stores file (YAML or JSON).")) -> None:
    """Copy every store of a stores file into the database; from then on the database's version is served."""
    try:
        ids = asyncio.run(_with_settings(Settings.from_env(), lambda s: s.import_registry(path)))
    except (StoresFileError, SettingsRefused) as exc:
        typer.echo(f"not imported, nothing changed: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"imported {len(ids)} store(s): {', '.join(ids)}")


@stores_app.command("export")
def export_stores(out: Path | None = typer.Option(None, "--out", help="Write here instead of standard output.")) -> None:
    """Write the stores being served (the database's, and the file's others) as one stores file."""

    async def work(store_settings: StoreSettings) -> str:
        return store_settings.export_text()

    text = asyncio.run(_with_settings(Settings.from_env(), work))
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"wrote {out}")


@users_app.command("add")
def add_user(
    email: str = typer.Argument(...),
    store: list[str] = typer.Option(..., "--store", help="A store id (repeat for several)."),
    role: str = typer.Option("owner", help=f"One of {', '.join(ROLES)}."),
    password: str = typer.Option(..., prompt=True, hide_input=True, confirmation_prompt=True),
) -> None:
    """Create a dashboard user (or give an existing one this role) on the named stores."""
    if role not in ROLES:
        typer.echo(f"--role: one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)

    async def work(store_settings: StoreSettings) -> None:
        await Accounts(store_settings.sessions, store_settings).ensure_user(email, password, store, role)

    try:
        asyncio.run(_with_settings(Settings.from_env(), work))
    except SettingsRefused as exc:
        typer.echo(f"not added: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{email}: {role} of {', '.join(store)}")
