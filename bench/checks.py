"""The key invariants of tests/invariants.py as SQL, cheap enough for a million packages: each query counts
the rows breaking one rule (zero is good)."""

from __future__ import annotations

import psycopg

HOLDING = "(50, 100, 150, 200, 300, 400, 450, 900)"
SLUGS = (
    "(VALUES (50, 'waiting_for_transfer'), (100, 'waiting'), (150, 'waiting_remote_action'), (200, 'preparing'),"
    " (300, 'blocked'), (400, 'ready_for_packaging'), (450, 'waiting_cargo_label'), (500, 'packed'),"
    " (550, 'waiting_invoice'), (600, 'ready_for_pickup'), (700, 'shipped'), (750, 'attempted_delivery'),"
    " (760, 'delivery_failed'), (800, 'delivered'), (900, 'cancellation_waiting'), (910, 'cancelled'),"
    " (920, 'out_of_stock'), (930, 'wrong_product'), (940, 'needs_rescheduling'), (1100, 'packed_for_refund'))"
)
ACTIVE = "pi.replanned_to_id IS NULL AND pi.status <> 'cancelled'"

CHECKS = {
    "quota equals the holding packages": f"""
        SELECT count(*) FROM stock_locations l LEFT JOIN (
          SELECT stock_location_id, count(*) AS n FROM packages WHERE status IN {HOLDING} GROUP BY 1
        ) h ON h.stock_location_id = l.id WHERE l.quota <> coalesce(h.n, 0)""",
    "reserved equals the reservations": """
        SELECT count(*) FROM stocks s LEFT JOIN (SELECT stock_id, count(*) AS n FROM reservations GROUP BY 1) r
          ON r.stock_id = s.id WHERE s.reserved <> coalesce(r.n, 0) OR s.quantity < 0""",
    "reservations belong to active items of holding packages": f"""
        SELECT count(*) FROM reservations r JOIN package_items pi ON pi.id = r.package_item_id
          JOIN packages p ON p.id = pi.package_id
          WHERE NOT ({ACTIVE}) OR p.status NOT IN {HOLDING}""",
    "every order item active in one package (unless cancelled)": f"""
        SELECT count(*) FROM order_items oi LEFT JOIN (
          SELECT order_item_id, count(*) FILTER (WHERE {ACTIVE}) AS active,
                 bool_or(pi.status = 'cancelled') AS cancelled FROM package_items pi GROUP BY 1
        ) a ON a.order_item_id = oi.id
        WHERE NOT (coalesce(a.active, 0) = 1 OR (coalesce(a.cancelled, false) AND a.active = 0))""",
    "active items carry their package's status": f"""
        SELECT count(*) FROM package_items pi JOIN packages p ON p.id = pi.package_id
          JOIN {SLUGS} AS slug(status, name) ON slug.status = p.status
          WHERE {ACTIVE} AND pi.status <> slug.name
            AND NOT (p.status IN (920, 930) AND pi.status IN ('out_of_stock', 'wrong_product'))""",
    "waiting packages hold every unit": f"""
        SELECT count(*) FROM package_items pi JOIN packages p ON p.id = pi.package_id
          LEFT JOIN reservations r ON r.package_item_id = pi.id
          WHERE {ACTIVE} AND p.status IN (50, 100) AND r.id IS NULL""",
    "history starts with creation and ends at the status": """
        SELECT count(*) FROM packages p LEFT JOIN (
          SELECT DISTINCT ON (package_id) package_id, to_status FROM transition_logs ORDER BY package_id, id DESC
        ) last ON last.package_id = p.id
        WHERE last.to_status IS DISTINCT FROM p.status
           OR NOT EXISTS (SELECT 1 FROM transition_logs t WHERE t.package_id = p.id AND t.from_status IS NULL)""",
    "shipments follow their package": """
        SELECT count(*) FROM packages p JOIN shipments s ON s.package_id = p.id
          WHERE (p.status = 700 AND s.status <> 'shipped') OR (p.status = 750 AND s.status <> 'attempted_delivery')
             OR (p.status = 760 AND s.status <> 'delivery_failed') OR (p.status = 800 AND s.status <> 'delivered')""",
}


def violations(url: str) -> dict[str, int]:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("SET statement_timeout = 0")
        return {name: connection.execute(query).fetchone()[0] for name, query in CHECKS.items()}
