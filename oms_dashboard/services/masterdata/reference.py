"""Denial reasons and sales channels: short lists an admin (or the ERP) keeps."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext
from sqlalchemy import select

from ...database import run_in_transaction
from ...errors import AppError
from ...extensions import db
from ...models import DenialReason, SalesChannel
from . import BatchResult, changed_fields, racing_inserts, upsert_by_key
from .rows import DenialReasonChanges, DenialReasonRow, SalesChannelRow


def add_denial_reason(*, row: DenialReasonRow) -> DenialReason:
    def work() -> DenialReason:
        _refuse_taken_title(row.title)
        reason = DenialReason(**row.model_dump())
        db.session.add(reason)
        with racing_inserts():
            db.session.flush()
        return reason

    return run_in_transaction(work)


def update_denial_reason(*, reason_id: int, changes: DenialReasonChanges) -> DenialReason:
    """Change a reason (e.g. deactivate it: no longer offered; packages that used it keep it)."""

    def work() -> DenialReason:
        reason = db.session.get(DenialReason, reason_id, with_for_update={"key_share": True})
        if reason is None:
            raise AppError.not_found()
        changes_made = changed_fields(reason, changes.given())
        if "title" in changes_made:
            _refuse_taken_title(changes_made["title"])
        for name, value in changes_made.items():
            setattr(reason, name, value)
        with racing_inserts():
            db.session.flush()
        return reason

    return run_in_transaction(work)


def _refuse_taken_title(title: str) -> None:
    if db.session.scalar(select(DenialReason.id).where(DenialReason.title == title)) is not None:
        raise AppError.field("title", gettext("A denial reason titled %(title)s already exists.", title=title))


def apply_denial_reasons(*, rows: Sequence[DenialReasonRow]) -> BatchResult:
    """Denial reasons matched by `title` (`oms import`), inside the caller's transaction: new titles are
    added, the others change only the fields sent."""
    return upsert_by_key(DenialReason, "title", rows)


def upsert_sales_channels(*, rows: Sequence[SalesChannelRow]) -> BatchResult:
    """Create the channels whose `code` is new; change only the fields sent of the others."""
    return run_in_transaction(lambda: apply_sales_channels(rows=rows))


def apply_sales_channels(*, rows: Sequence[SalesChannelRow]) -> BatchResult:
    """`upsert_sales_channels` inside the caller's transaction."""
    return upsert_by_key(SalesChannel, "code", rows)


def create_sales_channel(*, row: SalesChannelRow) -> SalesChannel:
    """Create one channel (the admin page's "New"): a `code` already in use is a 400, never an update."""

    def work() -> SalesChannel:
        if db.session.scalar(select(SalesChannel.id).where(SalesChannel.code == row.code)) is not None:
            raise AppError.field(
                "code", gettext("A sales channel with the code %(code)s already exists.", code=row.code)
            )
        channel = SalesChannel(**row.model_dump())
        db.session.add(channel)
        with racing_inserts():
            db.session.flush()
        return channel

    return run_in_transaction(work)
