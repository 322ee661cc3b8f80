"""Staff accounts and log-in. (Roles → actions and the audit trail are the security issue's.)

Log-in works offline against the local store: a password (security/passwords.py), then, for users
who set one up, a time-based code from an authenticator app (security/totp.py). Failed attempts and
lockouts are counted per workstation in LoginState; the threshold and duration are the practice's
security settings (Practice.lockout_threshold / lockout_minutes).
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import RecordStatus, Role
from emr_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    EmrError,
    NotFound,
    PermissionDenied,
    SecondFactorRequired,
    ValidationError,
)
from emr_desktop.domain.identifiers import is_valid_dea, is_valid_npi
from emr_desktop.domain.records import UserDTO
from emr_desktop.domain.staff import with_credentials
from emr_desktop.models import LoginState, Practice, RoleAssignment, UserAccount
from emr_desktop.security import passwords, totp
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.security.totp import TotpEnrollment
from emr_desktop.services.access import Access, ActionContext

__all__ = ["DEFAULT_LOCKOUT_MINUTES", "DEFAULT_LOCKOUT_THRESHOLD", "TotpEnrollment", "UserService"]

#: Used only when the store has no practice row yet (the practice's settings win otherwise).
DEFAULT_LOCKOUT_THRESHOLD = 5
DEFAULT_LOCKOUT_MINUTES = 15


SESSION_CATEGORY = "session"


@functools.cache
def _dummy_hash() -> str:
    return passwords.hash_password("not a password")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _check_new_password(password: str, field: str = "password") -> None:
    if len(password) < passwords.MIN_LENGTH:
        raise ValidationError(f"Passwords need at least {passwords.MIN_LENGTH} characters.", field)


class UserService:
    def __init__(self, db: Database, *, now: Callable[[], datetime] = _utc_now,
                 access: Access | None = None) -> None:
        self.db = db
        self._clock = now
        self.access = access or Access(db)

    @contextmanager
    def _managing(self, actor: Actor, user_id: uuid.UUID | None, action: str, *,
                  self_service: bool = False, detail: str = "") -> Iterator[ActionContext]:
        """An account action: needs users/manage (or, where ``self_service``, being that user);
        audited in the same unit of work."""
        with self.access.action(actor) as ctx:
            if not (self_service and user_id is not None and actor.user_id == user_id):
                ctx.authorize(Category.USERS, Verb.MANAGE, None, user_id or "")
            yield ctx
            ctx.audit(Category.USERS, action, None, user_id or "", detail)

    def _now(self) -> datetime:
        value = self._clock()
        if value.tzinfo is None:
            raise ValueError("the clock returned a naive datetime; it must carry a time zone")
        return value

    @staticmethod
    def _roles(session: Session, user_id: uuid.UUID) -> tuple[str, ...]:
        return tuple(session.scalars(select(RoleAssignment.role).where(
            RoleAssignment.user_id == user_id,
            RoleAssignment.record_status == RecordStatus.ACTIVE.value)))

    @staticmethod
    def _practice(session: Session) -> Practice | None:
        return session.scalar(select(Practice).order_by(Practice.id).limit(1))

    def _lockout_policy(self, session: Session) -> tuple[int, timedelta]:
        """(failed attempts before locking, how long the lock lasts) from the practice settings."""
        practice = self._practice(session)
        threshold = practice.lockout_threshold if practice is not None else None
        minutes = practice.lockout_minutes if practice is not None else None
        # A missing or nonsensical setting never turns lockout off.
        if not threshold or threshold < 1:
            threshold = DEFAULT_LOCKOUT_THRESHOLD
        if not minutes or minutes < 1:
            minutes = DEFAULT_LOCKOUT_MINUTES
        return threshold, timedelta(minutes=minutes)

    @staticmethod
    def _user(session: Session, user_id: uuid.UUID) -> UserAccount:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user

    @staticmethod
    def _login_state(session: Session, user_id: uuid.UUID) -> LoginState:
        state = session.get(LoginState, user_id)
        if state is None:
            state = LoginState(user_id=user_id, failed_logins=0)
            session.add(state)
        return state

    # --- accounts ------------------------------------------------------------------------------

    def create_user(self, actor: Actor, *, username: str, display_name: str, password: str,
                    roles: tuple[str, ...], credentials: str = "", npi: str = "",
                    dea_number: str = "", must_change_password: bool = False,
                    iterations: int | None = None) -> UserDTO:
        username = username.strip().lower()
        if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum():
            raise ValidationError("User names use letters, digits, '.', '_' and '-'.", "username")
        _check_new_password(password)
        for role in roles:
            if role not in Role._value2member_map_:
                raise ValidationError(f"Unknown role {role!r}.", "roles")
        if npi and not is_valid_npi(npi):
            raise ValidationError("That NPI is not valid (10 digits with a check digit).", "npi")
        if dea_number and not is_valid_dea(dea_number.upper()):
            raise ValidationError("That DEA number is not valid (2 letters, 7 digits).", "dea_number")
        with self._managing(actor, None, "user-create", detail="roles: " + ",".join(sorted(roles))) as ctx:
            session = ctx.session
            if session.scalar(select(UserAccount.id).where(UserAccount.username == username)):
                raise ValidationError(f"The user name {username!r} is taken.", "username")
            user = UserAccount(username=username, display_name=display_name, credentials=credentials,
                               npi=npi, dea_number=dea_number,
                               password_hash=passwords.hash_password(password, iterations=iterations),
                               password_changed_at=self._now(),
                               must_change_password=must_change_password)
            session.add(user)
            session.flush()
            session.add_all(RoleAssignment(user_id=user.id, role=r) for r in roles)
            session.flush()
        return UserDTO.from_row(user, roles)

    def get(self, actor: Actor, user_id: uuid.UUID) -> UserDTO:
        with self._managing(actor, user_id, "user-read", self_service=True) as ctx:
            user = self._user(ctx.session, user_id)
            return UserDTO.from_row(user, self._roles(ctx.session, user.id))

    def list_users(self, actor: Actor, *, include_inactive: bool = False) -> list[UserDTO]:
        with self._managing(actor, None, "user-list") as ctx:
            session = ctx.session
            stmt = select(UserAccount).order_by(UserAccount.username)
            if not include_inactive:
                stmt = stmt.where(UserAccount.record_status == RecordStatus.ACTIVE.value)
            return [UserDTO.from_row(u, self._roles(session, u.id)) for u in session.scalars(stmt)]

    def staff_directory(self, actor: Actor) -> dict[uuid.UUID, str]:
        """Names of every staff account, past ones included ("Dr. Wei Chen, MD"), so charts can say
        who wrote, signed or prescribed. Staff names are not patient data: any signed-in user may
        read them; nothing else about the accounts is returned."""
        if actor.user_id is None and not actor.is_system:
            raise PermissionDenied("see staff names without logging in")
        with self.access.action(actor) as ctx:
            rows = ctx.session.execute(select(UserAccount.id, UserAccount.display_name,
                                              UserAccount.credentials, UserAccount.username)).tuples()
            return {uid: with_credentials(name, cred) or username for uid, name, cred, username in rows}

    def set_active(self, actor: Actor, user_id: uuid.UUID, active: bool, *, reason: str = "") -> UserDTO:
        """Deactivate (blocks log-in; the account and its history stay) or reactivate a user."""
        with self._managing(actor, user_id, "user-activate" if active else "user-deactivate") as ctx:
            session = ctx.session
            user = self._user(session, user_id)
            if not active and user.record_status == RecordStatus.ACTIVE.value:
                if actor.user_id == user.id:
                    raise ValidationError("You cannot deactivate your own account.", "active")
                if Role.ADMIN.value in self._roles(session, user.id) and self._active_admins(session) <= 1:
                    raise ValidationError("This is the practice's last active administrator; make "
                                          "someone else an administrator first.", "active")
            user.record_status = (RecordStatus.ACTIVE if active else RecordStatus.INACTIVE).value
            user.record_status_reason = "" if active else reason
            session.flush()
            return UserDTO.from_row(user, self._roles(session, user.id))

    def set_roles(self, actor: Actor, user_id: uuid.UUID, roles: tuple[str, ...]) -> UserDTO:
        """Give a user exactly these roles (removed roles are made inactive, never deleted)."""
        wanted = set(roles)
        unknown = sorted(wanted - set(Role._value2member_map_))
        if unknown or not wanted:
            raise ValidationError("Choose one or more of: " + ", ".join(r.value for r in Role) + ".", "roles")
        with self.access.action(actor) as ctx:
            ctx.authorize(Category.USERS, Verb.MANAGE, None, user_id)
            session = ctx.session
            user = self._user(session, user_id)
            before = set(self._roles(session, user.id))
            if Role.ADMIN.value in before - wanted and self._active_admins(session) <= 1:
                raise ValidationError("This is the practice's last active administrator; make "
                                      "someone else an administrator first.", "roles")
            rows = {r.role: r for r in session.scalars(select(RoleAssignment).where(
                RoleAssignment.user_id == user.id))}
            for role in wanted | set(rows):
                row = rows.get(role)
                status = (RecordStatus.ACTIVE if role in wanted else RecordStatus.INACTIVE).value
                if row is None:
                    session.add(RoleAssignment(user_id=user.id, role=role))
                elif row.record_status != status:
                    row.record_status = status
            session.flush()
            ctx.audit(Category.USERS, "role-change", None, user.id,
                      f"{','.join(sorted(before)) or '-'} -> {','.join(sorted(wanted))}")
            return UserDTO.from_row(user, self._roles(session, user.id))

    @staticmethod
    def _active_admins(session: Session) -> int:
        return session.scalar(
            select(func.count(func.distinct(UserAccount.id)))
            .join(RoleAssignment, RoleAssignment.user_id == UserAccount.id)
            .where(UserAccount.record_status == RecordStatus.ACTIVE.value,
                   RoleAssignment.record_status == RecordStatus.ACTIVE.value,
                   RoleAssignment.role == Role.ADMIN.value)) or 0

    # --- passwords -----------------------------------------------------------------------------

    def set_password(self, actor: Actor, user_id: uuid.UUID, password: str,
                     **kwargs: Any) -> None:
        """An administrator sets (resets) someone's password."""
        _check_new_password(password)
        with self._managing(actor, user_id, "password-reset") as ctx:
            session = ctx.session
            user = self._user(session, user_id)
            user.password_hash = passwords.hash_password(password, **kwargs)
            user.password_changed_at = self._now()
            user.must_change_password = False

    def change_password(self, username: str, old_password: str, new_password: str) -> None:
        """A user changes their own password; the old one is required (and a wrong one counts as a
        failed log-in, so this is no way around the lockout)."""
        _check_new_password(new_password, "new_password")
        if new_password == old_password:
            raise ValidationError("The new password must differ from the old one.", "new_password")
        with self.db.unit_of_work() as session:
            outcome = self._check_password(session, username, old_password)
            if isinstance(outcome, UserAccount):
                session.info["actor_id"] = outcome.id  # the change is the user's own
                outcome.password_hash = passwords.hash_password(new_password)
                outcome.password_changed_at = self._now()
                outcome.must_change_password = False
                me = Actor(user_id=outcome.id, username=outcome.username, roles=frozenset())
                self.access.trail.append(session, actor=me, category=Category.USERS,
                                         action="password-change", object_id=str(outcome.id))
            else:
                self._audit_login(session, outcome)
        if isinstance(outcome, EmrError):
            raise outcome

    def unlock(self, actor: Actor, user_id: uuid.UUID) -> None:
        """An administrator lifts a lockout at this workstation (and clears the failure count)."""
        with self._managing(actor, user_id, "unlock") as ctx:
            session = ctx.session
            self._user(session, user_id)
            state = session.get(LoginState, user_id)
            if state is not None:
                # last_totp_step stays: forgetting it would let an already-used code work again.
                state.failed_logins = 0
                state.locked_until = None

    # --- log-in --------------------------------------------------------------------------------

    def authenticate(self, username: str, password: str, totp_code: str | None = None) -> Actor:
        """Check a password (and, if the user set one up, an authenticator code) against the local
        store (works offline); lock after repeated failures.

        Raises AuthenticationFailed, AccountLocked, or SecondFactorRequired when the password was
        right but the account needs a code and none was given (ask for it and call again).

        Failure counts must be saved even though the log-in fails, so the check returns the error
        and it is raised after the unit of work has committed."""
        with self.db.unit_of_work() as session:
            outcome = self._check_login(session, username, password, totp_code)
            self._audit_login(session, outcome)
        if isinstance(outcome, EmrError):
            raise outcome
        return outcome

    def _audit_login(self, session: Session, outcome: Actor | EmrError) -> None:
        """Log-ins, failures and lockouts go to the audit trail. A failed attempt is attributed to
        the account it named; what was typed for an unknown user name is never stored (it is often
        a password typed into the wrong box)."""
        if isinstance(outcome, SecondFactorRequired):
            return
        trail = self.access.trail
        if isinstance(outcome, Actor):
            trail.append(session, actor=outcome, category=SESSION_CATEGORY, action="login")
            return
        user: UserAccount | None = session.info.get("login_user")
        who = (Actor(user_id=user.id, username=user.username, roles=frozenset()) if user is not None
               else Actor(user_id=None, username="(unknown user)", roles=frozenset()))
        action = "login-refused-locked" if isinstance(outcome, AccountLocked) else "login-failed"
        trail.append(session, actor=who, category=SESSION_CATEGORY, action=action, outcome="failure")
        if session.info.get("locked_out"):
            trail.append(session, actor=who, category=SESSION_CATEGORY, action="lockout", outcome="failure")

    def logout(self, actor: Actor, *, reason: str = "user") -> None:
        """End of a session: by the user, or by the idle lock (reason "idle")."""
        self.access.trail.record(actor, category=SESSION_CATEGORY, action="logout", detail=reason)

    def _record_failure(self, session: Session, state: LoginState, now: datetime) -> AuthenticationFailed:
        threshold, duration = self._lockout_policy(session)
        state.failed_logins = (state.failed_logins or 0) + 1
        if state.failed_logins >= threshold:
            state.locked_until = now + duration
            state.failed_logins = 0
            session.info["locked_out"] = True
        return AuthenticationFailed()

    def _check_password(self, session: Session, username: str,
                        password: str) -> UserAccount | EmrError:
        """The active user whose password this is, or the error to raise (failures counted)."""
        user = session.scalar(select(UserAccount).where(
            UserAccount.username == username.strip().lower(),
            UserAccount.record_status == RecordStatus.ACTIVE.value))
        if user is None:
            # Spend the same time as a real check so user names cannot be probed by timing.
            passwords.verify_password(password, _dummy_hash())
            return AuthenticationFailed()
        session.info["login_user"] = user
        now = self._now()
        state = self._login_state(session, user.id)
        if state.locked_until is not None and state.locked_until > now:
            return AccountLocked(max(1, math.ceil((state.locked_until - now).total_seconds() / 60)))
        if not passwords.verify_password(password, user.password_hash):
            return self._record_failure(session, state, now)
        return user

    def _check_login(self, session: Session, username: str, password: str,
                     totp_code: str | None) -> Actor | EmrError:
        user = self._check_password(session, username, password)
        if isinstance(user, EmrError):
            return user
        now = self._now()
        state = self._login_state(session, user.id)
        if user.totp_secret and user.totp_confirmed_at is not None:
            if not totp_code or not totp_code.strip():
                # Not a failure: the UI asks for the code and calls again. Nothing is reset either,
                # or a known password alone could clear the count of wrong codes.
                return SecondFactorRequired()
            step = totp.verify(user.totp_secret, totp_code, at=now, last_step=state.last_totp_step)
            if step is None:
                return self._record_failure(session, state, now)
            state.last_totp_step = step
        state.failed_logins = 0
        state.locked_until = None
        state.last_login_at = now
        if passwords.needs_rehash(user.password_hash):
            session.info["actor_id"] = user.id
            user.password_hash = passwords.hash_password(password)
        roles = self._roles(session, user.id)
        return Actor(user_id=user.id, username=user.username, roles=frozenset(roles),
                     display_name=user.display_name)

    # --- second factor (TOTP) ------------------------------------------------------------------

    def totp_status(self, actor: Actor, user_id: uuid.UUID) -> str:
        """"off", "pending" (secret issued, not yet confirmed: not enforced) or "on"."""
        with self._managing(actor, user_id, "mfa-status", self_service=True) as ctx:
            session = ctx.session
            user = self._user(session, user_id)
            if not user.totp_secret:
                return "off"
            return "on" if user.totp_confirmed_at is not None else "pending"

    def begin_totp_enrollment(self, actor: Actor, user_id: uuid.UUID) -> TotpEnrollment:
        """Issue a new secret for the user's authenticator app. It is stored unconfirmed and not
        enforced until ``confirm_totp`` sees a code from it. Starting again replaces a pending
        secret; a confirmed one must be turned off first (so this cannot silently weaken it)."""
        with self._managing(actor, user_id, "mfa-enroll", self_service=True) as ctx:
            session = ctx.session
            user = self._user(session, user_id)
            if user.totp_secret and user.totp_confirmed_at is not None:
                raise ValidationError("Two-step log-in is already on for this user; turn it off "
                                      "first to set up a new authenticator.", "totp")
            practice = self._practice(session)
            secret = totp.new_secret()
            user.totp_secret = secret
            user.totp_confirmed_at = None
            issuer = practice.name if practice is not None else "emr-desktop"
            return TotpEnrollment(secret=secret,
                                  provisioning_uri=totp.provisioning_uri(secret, user.username, issuer))

    def confirm_totp(self, actor: Actor, user_id: uuid.UUID, code: str) -> None:
        """Turn two-step log-in on once a current code from the new authenticator verifies."""
        with self._managing(actor, user_id, "mfa-confirm", self_service=True) as ctx:
            session = ctx.session
            user = self._user(session, user_id)
            if not user.totp_secret:
                raise ValidationError("Set up an authenticator first.", "totp")
            if user.totp_confirmed_at is not None:
                raise ValidationError("Two-step log-in is already on for this user.", "totp")
            now = self._now()
            state = self._login_state(session, user.id)
            step = totp.verify(user.totp_secret, code, at=now, last_step=state.last_totp_step)
            if step is None:
                raise ValidationError("That code does not match. Check the phone's clock and type "
                                      "the code currently shown.", "code")
            user.totp_confirmed_at = now
            state.last_totp_step = step  # the confirming code cannot then be used to log in

    def disable_totp(self, actor: Actor, user_id: uuid.UUID) -> None:
        """Turn two-step log-in off (lost phone) and forget the secret."""
        with self._managing(actor, user_id, "mfa-disable", self_service=True) as ctx:
            session = ctx.session
            user = self._user(session, user_id)
            user.totp_secret = None
            user.totp_confirmed_at = None
