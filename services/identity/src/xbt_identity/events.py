"""What identity publishes and what it consumes, in one screen.

Published through the outbox (see xbt_shared.outbox); consumed through the inbox.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from pydantic import Field

from xbt_shared.consumers import Consumer
from xbt_shared.events import Event


class UserRegistered(Event):
    """An account was created (by an admin, a roster import or the demo seed)."""

    TYPE: ClassVar[str] = "identity.user.registered"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "user_id": "u_5f0c6d2e8a1b4c3d9e7f6a5b4c3d2e1f",
        "username": "hpsyzx2019080101",
        "name": "李明",
        "roles": ["student"],
        "school_id": "hp-sy-zx",
        "class_ids": ["c-hp-8-1"],
        "via": "roster",
    }

    user_id: str
    username: str
    name: str
    roles: list[str]
    school_id: str | None = None
    class_ids: list[str] = Field(default_factory=list)
    via: str  # "admin" | "roster" | "seed"


class RosterImported(Event):
    """A roster was imported: counts, and the school it was for."""

    TYPE: ClassVar[str] = "identity.roster.imported"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "import_id": "9b2f4c1e0d8a4f6b8c3e2d1a0f9e8d7c",
        "school_ids": ["hp-sy-zx"],
        "created": 412,
        "existing": 36,
        "rejected": 2,
        "classes_created": 9,
        "by": "u-hp-schooladmin1",
    }

    import_id: str
    school_ids: list[str]
    created: int
    existing: int
    rejected: int
    classes_created: int
    by: str


class AccountLocked(Event):
    """An account met enough failed logins (or wrong current passwords at a password change)
    to be locked for a client or slowed down as a whole: once an episode, for its school's and
    district's administrators, who may unlock it."""

    TYPE: ClassVar[str] = "identity.account.locked"
    EXAMPLE: ClassVar[dict[str, Any]] = {
        "user_id": "u-hp-student1",
        "username": "hpsyzx2019080101",
        "name": "李明",
        "school_id": "hp-sy-zx",
        "failed_attempts": 5,
        "locked_until": "2026-12-07T08:45:00Z",
        "via": "login",
    }

    user_id: str
    username: str
    name: str
    school_id: str | None = None
    failed_attempts: int  # the account's, from every client, in the episode so far
    locked_until: datetime  # until when the clients that failed are kept out
    via: str  # "login" | "password_change"


PUBLISHES: tuple[type[Event], ...] = (UserRegistered, RosterImported, AccountLocked)


def subscriptions() -> dict[str, Consumer[Any]]:
    # identity consumes nothing yet (contests.badge.awarded will land with the contests service).
    return {}
