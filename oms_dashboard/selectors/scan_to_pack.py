"""Scan to pack: which of a package's items the scanned codes tick off, computed afresh on every scan.

Nothing is stored between scans: the page sends back the codes accepted so far with the new one, so a
page left open, a second tablet or a reload never finds a half-packed state on the server. The codes
accepted so far are item keys (the barcode, or the SKU of a product without one); a scanned SKU is
turned into its item's key, so the packing command receives barcodes whichever the person scanned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext

from ..actors import Actor
from ..errors import AppError
from ..models import PackageItem
from .package_pages import PackageDetail, package_detail, package_id_by_number
from .transitions import TransitionValues

# The packing commands a scan panel can end with, the one that checks the scanned barcodes first.
PACKING_COMMANDS = ("CHANNEL_BASED_COMPLETE_PACKAGING", "COMPLETE_PACKAGING")


def item_key(item: PackageItem) -> str:
    return item.product.barcode or item.product.sku


@dataclass(frozen=True)
class ScanLine:
    item: PackageItem
    scanned: bool


@dataclass
class ScanProgress:
    lines: list[ScanLine]
    scanned: list[str]  # the item keys accepted so far, in scan order: the form's hidden inputs
    packing: TransitionValues | None  # the command that packs when every item is scanned; None: not now
    accepted: str | None = None  # what the last scan ticked off
    refusal: str | None = None  # why the last scan was refused
    last_code: str | None = None

    @property
    def count(self) -> int:
        return len(self.scanned)

    @property
    def total(self) -> int:
        return len(self.lines)

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.count == self.total


@dataclass
class ScanPage:
    detail: PackageDetail
    progress: ScanProgress
    opens: int | None = None  # the code named another package this user may open: go there


def packing_command(detail: PackageDetail) -> TransitionValues | None:
    """Packaging Completed as this user may run it now: by barcode scan when every item has a barcode."""
    items = detail.package.active_items
    for name in PACKING_COMMANDS:
        command = detail.command(name)
        if command is None:
            continue
        if name == "CHANNEL_BASED_COMPLETE_PACKAGING" and not all(item.product.barcode for item in items):
            continue
        return command
    return None


def _matching_keys(items: list[PackageItem], code: str) -> str | None:
    """The key of the item `code` names: its barcode, or its SKU in any case."""
    folded = code.casefold()
    for item in items:
        if item.product.barcode and item.product.barcode.casefold() == folded:
            return item_key(item)
    for item in items:
        if item.product.sku.casefold() == folded:
            return item_key(item)
    return None


def progress_of(detail: PackageDetail, scanned: list[str], code: str | None = None) -> ScanProgress:
    """The panel after the codes accepted so far, and `code` checked against what is still to scan."""
    items = list(detail.package.active_items)
    expected = Counter(item_key(item) for item in items)
    so_far = Counter(scanned)
    if so_far - expected:
        # Not from this panel (edited), or the package changed since: the list cannot be trusted.
        raise AppError.field("scanned", gettext("These codes are not the items of this package; start scanning again."))
    progress = ScanProgress(lines=[], scanned=list(scanned), packing=packing_command(detail), last_code=code)
    names = {item_key(item): f"{item.product.name} ({item.product.sku})" for item in items}
    # The messages below are shown on the package page, in its language.
    if code:
        key = _matching_keys(items, code)
        if progress.packing is None:
            progress.refusal = gettext("This package cannot be packed now, so nothing is scanned.")
        elif key is None and code.casefold() == detail.package.number.casefold():
            progress.refusal = gettext("%(code)s is this package's own number: scan its products.", code=code)
        elif key is None:
            progress.refusal = gettext("%(code)s is not in this package. Put it aside.", code=code)
        elif so_far[key] >= expected[key]:
            units = expected[key]
            progress.refusal = gettext(
                "%(product)s is already scanned: the package holds %(units)s of it. Put the extra one aside.",
                product=names[key],
                units=units,
            )
        else:
            progress.scanned.append(key)
            progress.accepted = gettext("%(product)s scanned.", product=names[key])
    left = Counter(progress.scanned)
    for item in items:
        key = item_key(item)
        done = left[key] > 0
        if done:
            left[key] -= 1
        progress.lines.append(ScanLine(item=item, scanned=done))
    return progress


def scan_package(*, package_id: int, actor: Actor, scanned: list[str], code: str | None) -> ScanPage:
    """The package page's scan panel after one scan. A code that is no item of this package but the
    number (or tracking number) of a package this user may open is a request to open that one."""
    detail = package_detail(package_id=package_id, actor=actor)
    progress = progress_of(detail, scanned, code)
    if progress.refusal and code and _matching_keys(list(detail.package.active_items), code) is None:
        other = package_id_by_number(number=code, actor=actor)
        if other is not None and other != package_id:
            return ScanPage(detail=detail, progress=progress, opens=other)
    return ScanPage(detail=detail, progress=progress)
