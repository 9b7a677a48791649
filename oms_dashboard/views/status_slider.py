"""The order of the package list's status slider: what matters on the shop floor first, the rest folded away.

The slider used to show all 21 statuses in one scrolling row, so most were off-screen and the selected one
could scroll out of view. Now it shows, in workflow order, the statuses that hold packages, the ones a store
works through every day (even at zero, so the bar does not jump about), and the selected one; the statuses
with no packages go under "More statuses".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..states import PackageStatus

# A store's day: what waits, what is being prepared, what is ready, what is packed (DESIGN's movement cards).
SHOP_FLOOR_STATUSES = frozenset(
    {
        PackageStatus.WAITING,
        PackageStatus.PREPARING,
        PackageStatus.READY_FOR_PACKAGING,
        PackageStatus.PACKED,
    }
)


@dataclass(frozen=True)
class SliderStatuses:
    main: list[PackageStatus]  # always shown, in workflow order
    more: list[PackageStatus]  # no packages: under "More statuses"


def slider_statuses(counts: Mapping[int, int], selected: PackageStatus | None) -> SliderStatuses:
    """Split every status into the slider's first row and the folded rest (the enum is in workflow order)."""
    main: list[PackageStatus] = []
    more: list[PackageStatus] = []
    for status in PackageStatus:
        shown = counts.get(status.value, 0) or status in SHOP_FLOOR_STATUSES or status == selected
        (main if shown else more).append(status)
    return SliderStatuses(main=main, more=more)
