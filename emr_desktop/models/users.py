"""Staff accounts and their roles. Users sync like other records so any desk can log them in."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, LocalMixin, SyncedMixin


class UserAccount(SyncedMixin, Base):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    credentials: Mapped[str] = mapped_column(String(40), default="")  # MD, DO, NP, RN, MA...
    npi: Mapped[str] = mapped_column(String(10), default="")
    dea_number: Mapped[str] = mapped_column(String(9), default="")
    #: KDF hash in a self-describing format (see security/passwords.py).
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime | None] = mapped_column(default=None)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64), default=None)
    #: Set when the user proved the authenticator works; until then the secret is not enforced.
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(default=None)


class RoleAssignment(SyncedMixin, Base):
    """A user holds one or more roles (a small practice's admin is often also a provider)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("user_id", "role", name="user_role"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class LoginState(LocalMixin, Base):
    """Failed-attempt counter, lockout and last log-in of a user at THIS workstation. Kept local:
    log-ins happen offline, and syncing them would make every log-in a change to reconcile."""

    __tablename__ = "login_state"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Last TOTP time step accepted here: a code is never accepted twice (replay).
    last_totp_step: Mapped[int | None] = mapped_column(Integer, default=None)
