"""Staff accounts and log-in. (Roles → actions and the audit trail are the security issue's.)"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import RecordStatus, Role
from emr_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    EmrError,
    NotFound,
    ValidationError,
)
from emr_desktop.domain.identifiers import is_valid_dea, is_valid_npi
from emr_desktop.domain.records import UserDTO
from emr_desktop.models import LoginState, RoleAssignment, UserAccount
from emr_desktop.security import passwords

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password("not a password")


def _now() -> datetime:
    return datetime.now(UTC)


class UserService:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _roles(session: Session, user_id: uuid.UUID) -> tuple[str, ...]:
        return tuple(session.scalars(select(RoleAssignment.role).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.record_status == RecordStatus.ACTIVE.value)))

    def create_user(self, actor: Actor, *, username: str, display_name: str, password: str,
                    roles: tuple[str, ...], credentials: str = "", npi: str = "",
                    dea_number: str = "", must_change_password: bool = False,
                    iterations: int | None = None) -> UserDTO:
        username = username.strip().lower()
        if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValidationError("User names use letters, digits, '.', '_' and '-'.", "username")
        if len(password) < passwords.MIN_LENGTH:
            raise ValidationError(f"Passwords need at least {passwords.MIN_LENGTH} characters.", "password")
        for role in roles:
            if role not in Role._value2member_map_:
                raise ValidationError(f"Unknown role {role!r}.", "roles")
        if npi and not is_valid_npi(npi):
            raise ValidationError("That NPI is not valid (10 digits with a check digit).", "npi")
        if dea_number and not is_valid_dea(dea_number.upper()):
            raise ValidationError("That DEA number is not valid (2 letters, 7 digits).", "dea_number")
        with self.db.unit_of_work(actor.user_id) as session:
            if session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
                raise ValidationError(f"The user name {username!r} is taken.", "username")
            user = UserAccount(username=username, display_name=display_name, credentials=credentials,
                               npi=npi, dea_number=dea_number,
                               password_hash=passwords.hash_password(password, iterations=iterations),
                               password_changed_at=_now(), must_change_password=must_change_password)
            session.add(user)
            session.flush()
            session.add_all(RoleAssignment(user_id=user.id, role=r) for r in roles)
            session.flush()
            return UserDTO.from_row(user, roles)

    def authenticate(self, username: str, password: str) -> Actor:
        """Check a password against the local store (works offline); lock after repeated failures.

        Failure counts must be saved even though the log-in fails, so the check returns the error
        and it is raised after the unit of work has committed."""
        with self.db.unit_of_work() as session:
            outcome = self._check_login(session, username, password)
        if isinstance(outcome, EmrError):
            raise outcome
        return outcome

    def _check_login(self, session: Session, username: str, password: str) -> Actor | EmrError:
        user = session.scalar(select(UserAccount).where(
            UserAccount.username == username.strip().lower(),
            UserAccount.record_status == RecordStatus.ACTIVE.value))
        if user is None:
            # Spend the same time as a real check so user names cannot be probed by timing.
            passwords.verify_password(password, _dummy_hash())
            return AuthenticationFailed()
        now = _now()
        state = session.get(LoginState, user.id)
        if state is None:
            state = LoginState(user_id=user.id, failed_logins=0)
            session.add(state)
        if state.locked_until is not None and state.locked_until > now:
            return AccountLocked(max(1, int((state.locked_until - now).total_seconds() // 60) + 1))
        if not passwords.verify_password(password, user.password_hash):
            state.failed_logins += 1
            if state.failed_logins >= MAX_FAILED_LOGINS:
                state.locked_until = now + LOCKOUT
                state.failed_logins = 0
            return AuthenticationFailed()
        state.failed_logins = 0
        state.locked_until = None
        state.last_login_at = now
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        roles = self._roles(session, user.id)
        return Actor(user_id=user.id, username=user.username, roles=frozenset(roles),
                     display_name=user.display_name)

    def get(self, actor: Actor, user_id: uuid.UUID) -> UserDTO:
        with self.db.read() as session:
            user = session.get(UserAccount, user_id)
            if user is None:
                raise NotFound("user", user_id)
            return UserDTO.from_row(user, self._roles(session, user.id))

    def list_users(self, actor: Actor, *, include_inactive: bool = False) -> list[UserDTO]:
        with self.db.read() as session:
            stmt = select(UserAccount).order_by(UserAccount.username)
            if not include_inactive:
                stmt = stmt.where(UserAccount.record_status == RecordStatus.ACTIVE.value)
            return [UserDTO.from_row(u, self._roles(session, u.id)) for u in session.scalars(stmt)]

    def set_password(self, actor: Actor, user_id: uuid.UUID, password: str,
                     **kwargs: Any) -> None:
        if len(password) < passwords.MIN_LENGTH:
            raise ValidationError(f"Passwords need at least {passwords.MIN_LENGTH} characters.", "password")
        with self.db.unit_of_work(actor.user_id) as session:
            user = session.get(UserAccount, user_id)
            if user is None:
                raise NotFound("user", user_id)
            user.password_hash = passwords.hash_password(password, **kwargs)
            user.password_changed_at = _now()
            user.must_change_password = False
