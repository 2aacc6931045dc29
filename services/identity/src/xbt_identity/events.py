"""What identity publishes and what it consumes, in one screen.

Published through the outbox (see xbt_shared.outbox); consumed through the inbox.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel

from xbt_shared.bus import Handler


class UserRegistered(BaseModel):
    """An account was created (by an admin, a roster import or the demo seed)."""

    TYPE: ClassVar[str] = "identity.user.registered"
    user_id: str
    username: str
    name: str
    roles: list[str]
    school_id: str | None = None
    class_ids: list[str] = []
    via: str  # "admin" | "roster" | "seed"


class RosterImported(BaseModel):
    """A roster was imported: counts, and the school it was for."""

    TYPE: ClassVar[str] = "identity.roster.imported"
    import_id: str
    school_ids: list[str]
    created: int
    existing: int
    rejected: int
    classes_created: int
    by: str


# identity consumes nothing yet (contests.badge.awarded will land with the contests service).
SUBSCRIPTIONS: dict[str, Handler] = {}
