"""Input checks that need the database; each failure is a 400 naming the field."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext
from sqlalchemy import select

from ..errors import AppError
from ..extensions import db
from ..models import CargoCompany, DenialReason, Package, PackageItem


def package_items(package: Package, item_ids: Iterable[int], *, field: str = "package_items") -> list[PackageItem]:
    """The package's active items with these ids, in the given order, each once."""
    active = {item.id: item for item in package.active_items}
    wanted = list(dict.fromkeys(item_ids))
    unknown = [item_id for item_id in wanted if item_id not in active]
    if unknown:
        listed = ", ".join(str(item_id) for item_id in unknown)
        raise AppError.field(field, gettext("Not items of this package: %(items)s.", items=listed))
    return [active[item_id] for item_id in wanted]


def denial_reason(reason_id: int, *, field: str = "denial_reason") -> DenialReason:
    reason = db.session.get(DenialReason, reason_id)
    if reason is None or not reason.is_active:
        raise AppError.field(field, gettext("Unknown denial reason: %(id)s.", id=reason_id))
    return reason


def cargo_company(reference: int | str, *, field: str = "cargo_company") -> CargoCompany:
    if isinstance(reference, int):
        company = db.session.get(CargoCompany, reference)
    else:
        company = db.session.scalars(select(CargoCompany).where(CargoCompany.erp_code == reference)).first()
    if company is None or not company.is_active:
        raise AppError.field(field, gettext("Unknown cargo company: %(reference)s.", reference=reference))
    return company
