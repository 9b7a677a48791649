"""Migration 0010 folds the search keys of the rows already stored and dates when each package entered its status."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from oms_dashboard.extensions import db
from oms_dashboard.models import Order, Package, Product, Shipment, TransitionLog
from tests.helpers import order, run


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def test_0010_backfills_search_keys_and_status_dates(app, two_stores):
    [packed] = order("Sİ-1001", "A", prefer="L1", customer={"first_name": "Ayşe", "last_name": "Yılmaz"})
    [waiting] = order("2001", "B", prefer="L1", customer={"first_name": 5})  # stored before the strict intake
    run(packed, "COMPLETE_PACKAGING")
    packed_at = db.session.scalar(
        select(TransitionLog.created_date).where(TransitionLog.package_id == packed).order_by(TransitionLog.id.desc())
    )
    created = db.session.get(Package, waiting).created_date
    # a package without any log (made by an import, say) entered its status when it was made
    db.session.execute(sa.delete(TransitionLog).where(TransitionLog.package_id == waiting))
    db.session.commit()
    db.session.remove()
    db.engine.dispose()
    try:
        downgrade(revision="0009")
        db.engine.dispose()
        with db.engine.connect() as connection:
            columns = {column["name"] for column in sa.inspect(connection).get_columns("packages")}
        assert "number_key" not in columns and "status_changed_date" not in columns
    finally:
        db.engine.dispose()
        upgrade()
        db.engine.dispose()

    orders = {row.number: row for row in db.session.scalars(select(Order))}
    assert (orders["Sİ-1001"].number_key, orders["Sİ-1001"].customer_key) == ("si-1001", "ayse yilmaz")
    assert orders["Sİ-1001"].customer_last_name_key == "yilmaz"
    assert orders["2001"].customer_key is None
    packages = {row.id: row for row in db.session.scalars(select(Package))}
    assert packages[packed].number_key == "si-1001p1"
    assert _aware(packages[packed].status_changed_date) == _aware(packed_at)
    assert _aware(packages[waiting].status_changed_date) == _aware(created)
    product = db.session.scalar(select(Product).where(Product.sku == "A"))
    assert (product.sku_key, product.barcode_key) == ("a", "8690000000011")
    shipment = db.session.scalar(select(Shipment).where(Shipment.package_id == packed))
    assert shipment.tracking_key == shipment.tracking_number.lower()
