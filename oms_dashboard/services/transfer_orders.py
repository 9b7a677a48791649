"""Creating transfer orders: the units reserved at a source location for a package elsewhere."""

from __future__ import annotations

from ..actors import Actor
from ..database import next_in_sequence
from ..extensions import db
from ..locking import Rank
from ..models import Package, TransferItem, TransferOrder
from ..states import TransferStatus
from .history import emit_transfer_events, log_transfer
from .planning import PlannedTransfer
from .stock import add_reservations


def next_transfer_number(package: Package) -> str:
    """`<package number>T<n>`, counted in the database like package numbers."""
    return f"{package.number}T{next_in_sequence(Package.transfer_sequence, package.id, Rank.PACKAGE)}"


def create_transfer(*, package: Package, planned: PlannedTransfer, actor: Actor) -> TransferOrder:
    """A waiting transfer from `planned.source` to the package's location; its units stay reserved at the source.

    Logged and announced (`transfer.created`, and `transfer.status.created` as Akinon names it) here, whichever command or order made it.
    """
    items_by_order_item = {item.order_item_id: item for item in package.items}
    moving = [items_by_order_item[order_item.id] for order_item in planned.order_items]
    transfer = TransferOrder(
        number=next_transfer_number(package),
        order_id=package.order_id,
        package=package,
        source=planned.source,
        destination_location_id=package.stock_location_id,
        status=TransferStatus.WAITING,
        extra_information={},
        items=[
            TransferItem(package_item=item, product_id=item.product_id, status=TransferStatus.WAITING)
            for item in moving
        ],
    )
    db.session.add(transfer)
    add_reservations((item.id, planned.stock_ids[item.order_item_id]) for item in moving)
    db.session.flush()
    log_transfer(transfer=transfer, from_state=None, command="TRANSFER_CREATED", actor=actor)
    # `transfer.created` is our name for it; Akinon's integrations listen for `transfer.status.created`.
    emit_transfer_events([("transfer.created", transfer), ("transfer.status.created", transfer)])
    return transfer
