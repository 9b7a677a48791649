"""Who runs a command: a staff user, an API token or the system (CLI, jobs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .i18n import N_
from .models import Role, TransferOrder, TransferTransition, Transition, User
from .states import Visibility

if TYPE_CHECKING:
    from .services.accounts import TokenValues

# The roles' names as pages show them, translated where shown (templating.role_name).
ROLE_NAMES = {
    Role.STORE_STAFF: N_("Store staff"),
    Role.MANAGER: N_("Manager"),
    Role.ADMIN: N_("Admin"),
}

_ROLE_VISIBILITY = {
    Role.STORE_STAFF: Visibility.INSTORE,
    Role.MANAGER: Visibility.OMS_WEB,
    Role.ADMIN: Visibility.OMS_WEB,
}


@dataclass(frozen=True)
class Actor:
    name: str
    # None: the system, which may run every transition.
    visibility: Visibility | None
    # None: every location.
    location_ids: frozenset[int] | None = None
    user_id: int | None = None
    api_token_id: int | None = None

    def may_access(self, location_id: int) -> bool:
        return self.location_ids is None or location_id in self.location_ids

    def may_run(self, transition: Transition | TransferTransition) -> bool:
        return self.visibility is None or self.visibility.value in (transition.ui_visibility or [])

    def may_see_transfer(self, transfer: TransferOrder) -> bool:
        """Either end of a transfer sees it."""
        return self.may_access(transfer.source_location_id) or self.may_access(transfer.destination_location_id)

    def may_run_on_transfer(self, transition: TransferTransition, transfer: TransferOrder) -> bool:
        """Visible to this kind of caller, and run by the right end: the source dispatches, the destination receives."""
        side = (transition.config or {}).get("side")
        location_id = {"source": transfer.source_location_id, "destination": transfer.destination_location_id}.get(side)
        return self.may_run(transition) and (location_id is None or self.may_access(location_id))

    @classmethod
    def for_user(cls, user: User) -> Actor:
        role = Role(user.role)
        locations = frozenset(location.id for location in user.locations) if role is Role.STORE_STAFF else None
        return cls(
            name=f"user:{user.username}", visibility=_ROLE_VISIBILITY[role], location_ids=locations, user_id=user.id
        )

    @classmethod
    def for_token(cls, token: TokenValues) -> Actor:
        """From the API's cached values of a live token."""
        locations = token.location_ids or None
        return cls(
            name=f"token:{token.name} ({token.key_prefix})",
            visibility=Visibility.THIRD_PARTY,
            location_ids=locations,
            api_token_id=token.id,
        )


SYSTEM = Actor(name="system", visibility=None)
