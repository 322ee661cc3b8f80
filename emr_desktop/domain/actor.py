"""Who is acting: the logged-in user at this workstation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: uuid.UUID | None
    username: str
    roles: frozenset[str]
    display_name: str = ""

    @classmethod
    def system(cls) -> Actor:
        """Set-up and data loading (init, demo, migrations) - never a logged-in person."""
        return cls(user_id=None, username="system", roles=frozenset({"system"}))
