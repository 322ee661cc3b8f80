"""Who is acting: the logged-in user at this workstation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace

SYSTEM_ROLE = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """A logged-in user for one session. Immutable: granting emergency access returns a new Actor
    that the session keeps from then on."""

    user_id: uuid.UUID | None
    username: str
    roles: frozenset[str]
    display_name: str = ""
    session_id: uuid.UUID = field(default_factory=uuid.uuid4)
    #: Charts opened with emergency (break-glass) access in this session.
    emergency_patients: frozenset[uuid.UUID] = frozenset()

    @classmethod
    def system(cls) -> Actor:
        """Set-up and data loading (init, demo, migrations) - never a logged-in person."""
        return cls(user_id=None, username="system", roles=frozenset({SYSTEM_ROLE}))

    @property
    def is_system(self) -> bool:
        return self.user_id is None and SYSTEM_ROLE in self.roles

    def with_emergency_access(self, patient_id: uuid.UUID) -> Actor:
        return replace(self, emergency_patients=self.emergency_patients | {patient_id})
