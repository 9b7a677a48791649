"""Stock locations: the ERP's upsert by `erp_code`, and changes to one location (API PATCH, admin page).

`quota` is derived (packages here in a quota-holding status) and never written here. Lowering
`max_quota` below it is allowed: `available_quota` is then 0 and planning sends new orders elsewhere
until packages leave. Every change writes a `stock_location.created` / `.updated` outbox event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext, ngettext
from sqlalchemy import func, select

from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...locking import Rank, lock_first
from ...models import CargoCompany, Package, StockLocation
from ...states import OPEN_STATUSES
from ..history import emit_location_events
from . import BatchResult, changed_fields, racing_inserts, refuse_duplicates
from .rows import LocationChanges, LocationRow

# Columns written from a row as they are; `default_cargo_company` is a code mapped to an id.
_PLAIN_FIELDS = (
    "name",
    "type",
    "city",
    "priority",
    "max_quota",
    "is_active",
    "remote_fulfilment",
    "is_pickup_location",
    "timezone",
)


def upsert_locations(*, rows: Sequence[LocationRow]) -> BatchResult:
    """Create the locations whose `erp_code` is new; change only the fields sent of the others."""
    return run_in_transaction(lambda: apply_locations(rows=rows))


def apply_locations(*, rows: Sequence[LocationRow]) -> BatchResult:
    """`upsert_locations` inside the caller's transaction (the importer runs every kind in one);
    its location locks must be the transaction's first."""
    refuse_duplicates([row.erp_code for row in rows], field_name="erp_code")
    carriers = _carrier_ids(rows)
    codes = [row.erp_code for row in rows]
    existing = {
        location.erp_code: location
        for location in lock_first(StockLocation, Rank.LOCATION, StockLocation.erp_code.in_(codes))
    }
    result = BatchResult()
    events: list[tuple[str, StockLocation]] = []
    deactivated: list[StockLocation] = []
    for row in rows:
        location = existing.get(row.erp_code)
        if location is None:
            location = StockLocation(erp_code=row.erp_code, quota=0, **_values(row.model_dump(), carriers))
            db.session.add(location)
            result.created.append(row.erp_code)
            events.append(("stock_location.created", location))
            continue
        if _apply(location, row.given(), carriers, deactivated):
            result.updated.append(row.erp_code)
            events.append(("stock_location.updated", location))
        else:
            result.unchanged.append(row.erp_code)
    with racing_inserts():
        db.session.flush()
    emit_location_events(events)
    result.notices.extend(_open_package_notices(deactivated))
    return result


def create_location(*, row: LocationRow) -> StockLocation:
    """Create one location (the admin page's "New"): an `erp_code` already in use is a 400, never an update."""

    def work() -> StockLocation:
        result = apply_locations(rows=[row])
        if not result.created:  # it existed: refuse, and the rollback undoes what the upsert changed
            raise AppError.field(
                "erp_code", gettext("A stock location with the ERP code %(code)s already exists.", code=row.erp_code)
            )
        return db.session.scalars(select(StockLocation).where(StockLocation.erp_code == row.erp_code)).one()

    return run_in_transaction(work)


def update_location(*, location_id: int, changes: LocationChanges) -> tuple[StockLocation, list[str]]:
    """Change the fields sent of one location; the location as it is now, and notices for the caller."""

    def work() -> tuple[StockLocation, list[str]]:
        carriers = _carrier_ids([changes])
        locked = lock_first(StockLocation, Rank.LOCATION, StockLocation.id == location_id)
        if not locked:
            raise AppError.not_found()
        location = locked[0]
        deactivated: list[StockLocation] = []
        if _apply(location, changes.given(), carriers, deactivated):
            db.session.flush()
            emit_location_events([("stock_location.updated", location)])
        return location, _open_package_notices(deactivated)

    return run_in_transaction(work)


def _carrier_ids(rows: Sequence[LocationChanges]) -> dict[str, int]:
    """erp_code → id of the carriers the rows name; an unknown one is a 400 naming its row."""
    wanted = {row.default_cargo_company for row in rows if row.default_cargo_company}
    found = (
        dict(
            db.session.execute(
                select(CargoCompany.erp_code, CargoCompany.id).where(CargoCompany.erp_code.in_(wanted))
            ).all()
        )
        if wanted
        else {}
    )
    for index, row in enumerate(rows):
        code = row.default_cargo_company
        if code and code not in found:
            # "Item 0: " names the row in the API's batches; the admin form takes it off (one row).
            prefix = f"Item {index}: " if len(rows) > 1 or isinstance(row, LocationRow) else ""
            message = gettext("Unknown cargo company %(code)s.", code=code)
            raise AppError.field("default_cargo_company", f"{prefix}{message}")
    return found


def _values(given: dict[str, Any], carriers: dict[str, int]) -> dict[str, Any]:
    values = {name: given[name] for name in _PLAIN_FIELDS if name in given}
    if "default_cargo_company" in given:
        code = given["default_cargo_company"]
        values["default_cargo_company_id"] = carriers[code] if code else None
    return values


def _apply(location: StockLocation, given: dict[str, Any], carriers: dict[str, int], deactivated: list) -> bool:
    """Write the changed fields; True when anything changed."""
    changes = changed_fields(location, _values(given, carriers))
    if not changes:
        return False
    if changes.get("is_active") is False:
        deactivated.append(location)
    for name, value in changes.items():
        setattr(location, name, value)
    return True


def _open_package_notices(locations: list[StockLocation]) -> list[str]:
    if not locations:
        return []
    counts = dict(
        db.session.execute(
            select(Package.stock_location_id, func.count())
            .where(Package.stock_location_id.in_([location.id for location in locations]))
            .where(Package.status.in_([int(status) for status in OPEN_STATUSES]))
            .group_by(Package.stock_location_id)
        ).all()
    )
    notices = []
    for location in locations:
        open_packages = counts.get(location.id, 0)
        notices.append(
            ngettext(
                "%(code)s is inactive: planning no longer chooses it; %(num)d package still open there.",
                "%(code)s is inactive: planning no longer chooses it; %(num)d packages still open there.",
                open_packages,
                code=location.erp_code,
            )
        )
    return notices
