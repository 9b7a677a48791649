"""Reading transfer orders, through the caller's locations (either end of the transfer)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..actors import Actor
from ..errors import AppError
from ..extensions import db
from ..models import Order, StockLocation, TransferItem, TransferLog, TransferOrder, TransferTransition
from .transitions import history_label, transfer_commands_by_state


@dataclass(frozen=True)
class TransferFilters:
    status: str | None = None
    location_id: int | None = None
    direction: str | None = None  # "incoming" / "outgoing" at location_id; None: either
    package_id: int | None = None
    source_erp_code: str | None = None
    destination_erp_code: str | None = None
    order_number: str | None = None


def _with_details(query: Select) -> Select:
    return query.options(
        joinedload(TransferOrder.order),
        joinedload(TransferOrder.package),
        joinedload(TransferOrder.source),
        joinedload(TransferOrder.destination),
        joinedload(TransferOrder.cargo_company),
        selectinload(TransferOrder.items).joinedload(TransferItem.product),
    )


def get_transfer(*, transfer_id: int, actor: Actor, hide_other_locations: bool = False) -> TransferOrder:
    transfer = db.session.scalars(_with_details(select(TransferOrder).where(TransferOrder.id == transfer_id))).first()
    if transfer is None:
        raise AppError.not_found()
    if not actor.may_see_transfer(transfer):
        raise AppError.not_found() if hide_other_locations else AppError.forbidden()
    return transfer


def filtered_transfers(*, filters: TransferFilters, actor: Actor) -> Select:
    query = select(TransferOrder)
    if actor.location_ids is not None:
        query = query.where(
            or_(
                TransferOrder.source_location_id.in_(actor.location_ids),
                TransferOrder.destination_location_id.in_(actor.location_ids),
            )
        )
    if filters.status:
        query = query.where(TransferOrder.status == filters.status)
    if filters.location_id is not None:
        incoming = TransferOrder.destination_location_id == filters.location_id
        outgoing = TransferOrder.source_location_id == filters.location_id
        query = query.where(
            {"incoming": incoming, "outgoing": outgoing}.get(filters.direction, or_(incoming, outgoing))
        )
    if filters.package_id is not None:
        query = query.where(TransferOrder.package_id == filters.package_id)
    for column, code in (
        (TransferOrder.source_location_id, filters.source_erp_code),
        (TransferOrder.destination_location_id, filters.destination_erp_code),
    ):
        if code:
            query = query.where(column.in_(select(StockLocation.id).where(StockLocation.erp_code == code)))
    if filters.order_number:
        query = query.where(TransferOrder.order_id.in_(select(Order.id).where(Order.number == filters.order_number)))
    return query


def transfer_page(
    *, filters: TransferFilters, actor: Actor, offset: int, limit: int
) -> tuple[int, list[TransferOrder]]:
    """The count and one page, newest first: the page's ids from the indexes first (only ids are skipped over,
    not rows with their joins), then those transfers with their details in the same statement."""
    query = filtered_transfers(filters=filters, actor=actor)
    count = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = (
        query.with_only_columns(TransferOrder.id)
        .order_by(TransferOrder.id.desc())
        .offset(offset)
        .limit(limit)
        .subquery("page")
    )
    rows = db.session.scalars(
        _with_details(select(TransferOrder).join(page, page.c.id == TransferOrder.id).order_by(TransferOrder.id.desc()))
    )
    return count, list(rows.unique())


def transfer_commands(transfers: list[TransferOrder], actor: Actor) -> dict[int, list[TransferTransition]]:
    """What the actor may run on each transfer now: its state, the visibility, and its side of the transfer."""
    by_state = transfer_commands_by_state(states={t.status for t in transfers}, visibility=actor.visibility)
    return {
        transfer.id: [row for row in by_state[transfer.status] if actor.may_run_on_transfer(row, transfer)]
        for transfer in transfers
    }


def transfer_history(transfer_id: int) -> list[tuple[TransferLog, str]]:
    """Each row of the transfer's history with its command's label, oldest first (one query)."""
    logs = db.session.scalars(
        select(TransferLog).where(TransferLog.transfer_order_id == transfer_id).order_by(TransferLog.id)
    )
    return [
        (log, history_label(TransferTransition, transition_id=log.transition_id, command=log.command)) for log in logs
    ]


def transfers_of_package(package_id: int) -> list[TransferOrder]:
    return list(
        db.session.scalars(
            select(TransferOrder)
            .options(joinedload(TransferOrder.source))
            .where(TransferOrder.package_id == package_id)
            .order_by(TransferOrder.id)
        )
    )


def transfer_movements(*, actor: Actor, search: str = "") -> list[tuple[StockLocation, dict[str, int], dict[str, int]]]:
    """Per visible location: incoming and outgoing transfer counts by status (three queries)."""
    query = select(StockLocation)
    if actor.location_ids is not None:
        query = query.where(StockLocation.id.in_(actor.location_ids))
    if search:
        pattern = f"%{search.replace('%', '').replace('_', '')}%"
        query = query.where(or_(StockLocation.name.ilike(pattern), StockLocation.erp_code.ilike(pattern)))
    locations = list(db.session.scalars(query.order_by(StockLocation.name, StockLocation.id)))
    ids = query.with_only_columns(StockLocation.id).order_by(None)
    counts = {"incoming": defaultdict(dict), "outgoing": defaultdict(dict)}
    for direction, column in (
        ("incoming", TransferOrder.destination_location_id),
        ("outgoing", TransferOrder.source_location_id),
    ):
        for location_id, status, number in db.session.execute(
            select(column, TransferOrder.status, func.count())
            .where(column.in_(ids))
            .group_by(column, TransferOrder.status)
        ):
            counts[direction][location_id][status] = number
    return [(location, counts["incoming"][location.id], counts["outgoing"][location.id]) for location in locations]
