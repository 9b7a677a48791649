"""`flask --app app oms …` (DESIGN §10). `db upgrade` comes from Flask-Migrate."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .errors import AppError
from .services import accounts, demo
from .services.install import install_defaults
from .services.rescheduling import reschedule_waiting_packages
from .services.scenarios import read_scenario_file, save_scenario

oms_cli = AppGroup("oms", help="OMS Dashboard administration.")


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


@oms_cli.command("create-token")
@click.argument("name")
@click.option("--location", "locations", multiple=True, help="Restrict to this location's ERP code (repeatable).")
def create_token(name: str, locations: tuple[str, ...]) -> None:
    """Print a new API token (stored hashed; shown only now)."""
    try:
        key = accounts.create_token(name=name, location_codes=locations)
    except AppError as error:
        _fail(error)
    click.echo(key)


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
