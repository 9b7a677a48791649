"""`flask --app app oms …` (DESIGN §10). `db upgrade` comes from Flask-Migrate."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .errors import AppError
from .services import accounts, demo
from .services.install import install_defaults
from .services.masterdata.importer import CSV_KINDS, KINDS, import_master_data, read_import_file
from .services.package_counts import recount_packages
from .services.rescheduling import reschedule_waiting_packages
from .services.scenarios import read_scenario_file, save_scenario

oms_cli = AppGroup("oms", help="OMS Dashboard administration.")


# A kind with more rows than this gets a progress bar while `oms import` applies it.
PROGRESS_BAR_ROWS = 1000


def _fail(error: AppError) -> None:
    raise click.ClickException(error.message)


@oms_cli.command("install")
def install() -> None:
    """Install the default package and transfer transitions, denial reasons, cargo companies and scenario (idempotent)."""
    added = install_defaults()
    click.echo("Installed: " + ", ".join(f"{count} {kind.replace('_', ' ')}" for kind, count in added.items()) + ".")


@oms_cli.command("seed-demo")
@click.option("--password", help="Password for every demo user (default: oms-demo).")
def seed_demo(password: str | None) -> None:
    """Demo locations, stock, orders and packages, and the users admin, manager, store1."""
    install_defaults()
    try:
        created = demo.seed_demo(password)
    except AppError as error:
        _fail(error)
    click.echo("Demo data created." if created else "Demo data already present; nothing added.")
    shown = password or (demo.DEMO_PASSWORD if created else None)
    for user in demo.demo_users():
        where = ", ".join(location.name for location in user.locations)
        secret = f" / {shown}" if shown else ""
        click.echo(f"  login {user.username}{secret}  ({user.role}{', ' + where if where else ''})")


@oms_cli.command("create-user")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(["store_staff", "manager", "admin"]))
@click.option("--location", "locations", multiple=True, help="ERP code of a location (store staff; repeatable).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="")
def create_user(name: str, role: str, locations: tuple[str, ...], password: str, full_name: str) -> None:
    """Add a user."""
    try:
        accounts.create_user(username=name, password=password, role=role, location_codes=locations, full_name=full_name)
    except AppError as error:
        _fail(error)
    click.echo(f"User {name} ({role}) created.")


@oms_cli.command("set-password")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password(name: str, password: str) -> None:
    """Give a user a new password; every session they have ends."""
    try:
        accounts.set_password(username=name, password=password)
    except AppError as error:
        _fail(error)
    click.echo(f"Password of {name} changed; their sessions have ended.")


@oms_cli.command("deactivate-user")
@click.argument("name")
def deactivate_user(name: str) -> None:
    """Stop a user signing in, and end every session they have at once."""
    try:
        accounts.deactivate_user(username=name)
    except AppError as error:
        _fail(error)
    click.echo(f"User {name} deactivated; their sessions have ended.")


@oms_cli.command("create-token")
@click.argument("name")
@click.option("--location", "locations", multiple=True, help="Restrict to this location's ERP code (repeatable).")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the key in this file (mode 600): print the one kept there while its token is live with this name"
    " and these locations; otherwise create a new token and keep its key there.",
)
def create_token(name: str, locations: tuple[str, ...], key_file: Path | None) -> None:
    """Print a new API token (stored hashed; shown only now)."""
    if key_file is not None and (kept := _kept_key(key_file, name, locations)) is not None:
        click.echo(kept)
        return
    try:
        key = accounts.create_token(name=name, location_codes=locations)
    except AppError as error:
        _fail(error)
    if key_file is not None:
        try:
            key_file.parent.mkdir(parents=True, exist_ok=True)
            spare = key_file.with_name(key_file.name + ".new")
            spare.unlink(missing_ok=True)
            with open(os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="ascii") as handle:
                handle.write(key + "\n")
            spare.replace(key_file)  # whole or not at all, never readable by others
        except OSError as error:  # the token works all the same; the next run makes another
            click.echo(f"Could not keep the key in {key_file}: {error}", err=True)
    click.echo(key)


def _kept_key(key_file: Path, name: str, locations: tuple[str, ...]) -> str | None:
    """The key in `key_file` when it still opens the API as the token asked for, else None."""
    try:
        key = key_file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    token = accounts.find_token(key) if key else None
    if token is None or token.name != name or {loc.erp_code for loc in token.locations} != set(locations):
        return None
    return key


@oms_cli.command("revoke-token")
@click.argument("name")
def revoke_token(name: str) -> None:
    """Revoke every live token with this name: requests with it get 401 from now on."""
    try:
        revoked = accounts.revoke_tokens(name=name)
    except AppError as error:
        _fail(error)
    click.echo(f"Revoked {revoked} token{'' if revoked == 1 else 's'} named {name}.")


def _moment(value: datetime | None, empty: str) -> str:
    if value is None:
        return empty
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they are stored in UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@oms_cli.command("list-tokens")
def list_tokens() -> None:
    """Every API token, newest first: its locations, when it was made and last used, and whether it is live."""
    header = ("id", "name", "key prefix", "locations", "created", "last used", "state")
    rows = [
        (
            str(token.id),
            token.name,
            token.key_prefix,
            ", ".join(location.erp_code for location in token.locations) or "all",
            _moment(token.created_date, "?"),
            _moment(token.last_used_date, "never"),
            f"revoked {_moment(token.revoked_date, '')}" if token.revoked_date else "live",
        )
        for token in accounts.list_tokens()
    ]
    if not rows:
        click.echo("No API tokens yet; make one with `oms create-token NAME`.")
        return
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@contextmanager
def _progress_bar(kind: str, rows: int) -> Iterator:
    """A progress bar on stderr while a large kind is applied (the summary on stdout stays clean)."""
    if rows <= PROGRESS_BAR_ROWS:
        yield lambda _done: None
        return
    with click.progressbar(length=rows, label=f"{kind} ({rows} rows)", file=sys.stderr) as bar:
        yield bar.update


@oms_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(CSV_KINDS), help="What a CSV file holds (one kind a file).")
def import_file(path: str, kind: str | None) -> None:
    """Onboard master data from a JSON or YAML file (keys: cargo_companies, stock_locations, products, stocks,
    denial_reasons, sales_channels; each a list shaped as its API body) or a CSV file of one --kind.

    Checked like the API; all or nothing: an error names the kind, field and item, and nothing is stored.
    """
    try:
        results = import_master_data(read_import_file(path, kind=kind), progress=_progress_bar)
    except AppError as error:
        lines = [
            message if field in {"non_field_errors", "detail"} else f"{field}: {message}"
            for field, messages in error.error.items()
            for message in (messages if isinstance(messages, list) else [messages])
        ]
        raise click.ClickException("Nothing was imported.\n" + "\n".join(lines)) from None
    for name in KINDS:
        if name in results:
            click.echo(f"{name}: {results[name].summary()}")
            for notice in results[name].notices:
                click.echo(f"  {notice}")


@oms_cli.command("load-scenario")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--activate/--no-activate", default=True, help="Plan every order with it from now on (default).")
def load_scenario(path: str, activate: bool) -> None:
    """Load a distribution scenario from a JSON or YAML file (replaces the one of the same name)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    try:
        definition = read_scenario_file(text=text, filename=path)
        save_scenario(definition=definition, activate=activate)
    except AppError as error:
        _fail(error)
    state = "active" if activate else "loaded, not active"
    click.echo(f"Scenario {definition.name!r} ({len(definition.rules)} rules): {state}.")


@oms_cli.command("reschedule")
def reschedule() -> None:
    """Retry planning of the packages waiting for stock (out of stock, needs rescheduling)."""
    outcomes = reschedule_waiting_packages()
    for outcome in outcomes:
        click.echo(f"  {outcome.package_number}: {outcome.message}")
    done = sum(outcome.rescheduled for outcome in outcomes)
    click.echo(f"Rescheduled {done} of {len(outcomes)} waiting package{'' if len(outcomes) == 1 else 's'}.")


@oms_cli.command("recount")
def recount() -> None:
    """Rebuild the package counts (packages per location and status) from the packages, after a bulk load."""
    rows = recount_packages()
    click.echo(f"Package counts rebuilt: {rows} location/status row{'' if rows == 1 else 's'}.")


@oms_cli.command("webhooks")
@click.option("--once", is_flag=True, help="One pass: dispatch new events, send what is due, and exit.")
def webhooks(once: bool) -> None:
    """Deliver pending webhook events (without --once: until stopped with Ctrl-C or SIGTERM)."""
    if once:
        from .services.webhooks.delivery import deliver_due, dispatch_events

        dispatch_events()
        deliver_due()
        _report_deliveries()
        return
    worker = _worker(reschedule=False)
    worker.handle_signals()
    click.echo("Delivering webhook events; Ctrl-C or SIGTERM stops.", err=True)
    sys.exit(worker.run())


@oms_cli.command("worker")
def worker_command() -> None:
    """The long-running worker: webhook delivery and the periodic reschedule (OMS_RESCHEDULE_MINUTES)."""
    worker = _worker(reschedule=True)
    worker.handle_signals()
    click.echo(
        f"Worker started: webhook delivery, reschedule every {current_app.config['RESCHEDULE_MINUTES']} min;"
        " Ctrl-C or SIGTERM stops.",
        err=True,
    )
    code = worker.run()
    click.echo("Worker stopped.", err=True)
    sys.exit(code)


def _worker(*, reschedule: bool):
    from .worker import Worker

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return Worker(current_app._get_current_object(), reschedule=reschedule)


def _report_deliveries() -> None:
    from sqlalchemy import func, select

    from .extensions import db
    from .models import WebhookDelivery

    db.session.rollback()  # a fresh read: what the pass's own transactions committed
    counts = dict(
        db.session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all()
    )
    click.echo(
        "Webhook deliveries: "
        + ", ".join(f"{counts.get(status, 0)} {status}" for status in ("pending", "delivered", "failed"))
        + "."
    )
