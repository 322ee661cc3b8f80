"""Log-in: passwords, lockout from the practice's settings, TOTP second factor, account admin.

Every test runs on a fake clock handed to UserService, so lock durations and TOTP steps are exact
and nothing sleeps."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import select

from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import (
    AccountLocked,
    AuthenticationFailed,
    SecondFactorRequired,
    ValidationError,
)
from emr_desktop.models import LoginState, Practice, UserAccount
from emr_desktop.security import passwords
from emr_desktop.services.users import UserService
from tests.conftest import TEST_PASSWORD

#: 10 s into a 30-second TOTP step.
START = datetime(2025, 3, 14, 9, 26, 40, tzinfo=UTC)
NURSE_PASSWORD = "nurse password 1"


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def users(store: ChartStore, clock: FakeClock) -> UserService:
    return UserService(store.db, now=clock)


@pytest.fixture
def nurse_id(users: UserService, admin: Actor) -> uuid.UUID:
    return users.create_user(admin, username="nurse1", display_name="Nora Nurse", password=NURSE_PASSWORD,
                             roles=("nurse",), credentials="RN").id


def _state(store: ChartStore, user_id: uuid.UUID) -> SimpleNamespace | None:
    """A snapshot of the user's LoginState row at this workstation."""
    with store.db.read() as session:
        row = session.get(LoginState, user_id)
        if row is None:
            return None
        return SimpleNamespace(failed_logins=row.failed_logins, locked_until=row.locked_until,
                               last_login_at=row.last_login_at, last_totp_step=row.last_totp_step)


def _set_policy(store: ChartStore, *, threshold: int, minutes: int) -> None:
    with store.db.unit_of_work() as session:
        practice = session.scalar(select(Practice))
        assert practice is not None
        practice.lockout_threshold = threshold
        practice.lockout_minutes = minutes


def _fail(users: UserService, times: int, username: str = "nurse1") -> None:
    for _ in range(times):
        with pytest.raises(AuthenticationFailed):
            users.authenticate(username, "wrong password")


def _enable_totp(users: UserService, admin: Actor, user_id: uuid.UUID, clock: FakeClock) -> str:
    """Enrol and confirm at the current fake time; then move to the next step so a fresh code exists."""
    enrollment = users.begin_totp_enrollment(admin, user_id)
    users.confirm_totp(admin, user_id, pyotp.TOTP(enrollment.secret).at(clock.now))
    clock.advance(seconds=30)
    return enrollment.secret


# --- passwords and lockout ----------------------------------------------------------------------


def test_unknown_user_and_wrong_password_fail_alike(store: ChartStore, users: UserService,
                                                     nurse_id: uuid.UUID) -> None:
    with pytest.raises(AuthenticationFailed) as unknown:
        users.authenticate("nobody", NURSE_PASSWORD)
    with pytest.raises(AuthenticationFailed) as wrong:
        users.authenticate("nurse1", "wrong password")
    assert unknown.value.full_message() == wrong.value.full_message()
    actor = users.authenticate(" Nurse1 ", NURSE_PASSWORD)
    assert actor.user_id == nurse_id and actor.roles == frozenset({"nurse"})
    state = _state(store, nurse_id)
    assert state is not None and state.last_login_at == START and state.failed_logins == 0


def test_lockout_follows_practice_settings(store: ChartStore, users: UserService, clock: FakeClock,
                                           nurse_id: uuid.UUID) -> None:
    _set_policy(store, threshold=3, minutes=10)
    _fail(users, 2)
    state = _state(store, nurse_id)
    assert state is not None and state.failed_logins == 2 and state.locked_until is None
    _fail(users, 1)  # the third failure locks
    state = _state(store, nurse_id)
    assert state is not None and state.locked_until == START + timedelta(minutes=10)
    with pytest.raises(AccountLocked) as locked:
        users.authenticate("nurse1", NURSE_PASSWORD)  # the right password does not open it
    assert "10 minute" in locked.value.hint
    clock.advance(minutes=9)
    with pytest.raises(AccountLocked) as locked:
        users.authenticate("nurse1", NURSE_PASSWORD)
    assert "1 minute" in locked.value.hint
    clock.advance(minutes=2)  # 11 minutes after locking
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id
    state = _state(store, nurse_id)
    assert state is not None and state.locked_until is None and state.failed_logins == 0


def test_success_resets_failure_count(store: ChartStore, users: UserService, nurse_id: uuid.UUID) -> None:
    _set_policy(store, threshold=3, minutes=10)
    _fail(users, 2)
    users.authenticate("nurse1", NURSE_PASSWORD)
    _fail(users, 2)
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id


def test_default_policy_without_practice_row(monkeypatch: pytest.MonkeyPatch, store: ChartStore,
                                             users: UserService, nurse_id: uuid.UUID) -> None:
    monkeypatch.setattr(UserService, "_practice", staticmethod(lambda session: None))
    _fail(users, 4)
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id
    _fail(users, 5)
    state = _state(store, nurse_id)
    assert state is not None and state.locked_until == START + timedelta(minutes=15)


def test_admin_unlock(store: ChartStore, users: UserService, admin: Actor, nurse_id: uuid.UUID) -> None:
    _set_policy(store, threshold=3, minutes=60)
    _fail(users, 3)
    with pytest.raises(AccountLocked):
        users.authenticate("nurse1", NURSE_PASSWORD)
    users.unlock(admin, nurse_id)
    state = _state(store, nurse_id)
    assert state is not None and state.locked_until is None and state.failed_logins == 0
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id


def test_inactive_user_cannot_log_in(users: UserService, admin: Actor, nurse_id: uuid.UUID) -> None:
    dto = users.set_active(admin, nurse_id, False, reason="left the practice")
    assert dto.record_status == "inactive" and dto.record_status_reason == "left the practice"
    with pytest.raises(AuthenticationFailed):
        users.authenticate("nurse1", NURSE_PASSWORD)
    assert [u.username for u in users.list_users(admin)] == ["admin"]
    users.set_active(admin, nurse_id, True)
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id


def test_cannot_deactivate_self_or_last_admin(users: UserService, admin: Actor) -> None:
    assert admin.user_id is not None
    with pytest.raises(ValidationError, match="your own"):
        users.set_active(admin, admin.user_id, False)
    with pytest.raises(ValidationError, match="last active administrator"):
        users.set_active(Actor.system(), admin.user_id, False)
    second = users.create_user(admin, username="admin2", display_name="B", password=TEST_PASSWORD,
                               roles=("admin",))
    users.set_active(Actor.system(), admin.user_id, False)
    with pytest.raises(ValidationError, match="last active administrator"):
        users.set_active(Actor.system(), second.id, False)


def test_change_password_needs_old_password(store: ChartStore, users: UserService, admin: Actor) -> None:
    user = users.create_user(admin, username="fd1", display_name="Front Desk", password=NURSE_PASSWORD,
                             roles=("front_desk",), must_change_password=True)
    assert user.must_change_password
    with pytest.raises(AuthenticationFailed):
        users.change_password("fd1", "not the old one", "brand new password")
    state = _state(store, user.id)
    assert state is not None and state.failed_logins == 1  # counts toward the lockout
    with pytest.raises(ValidationError, match="at least"):
        users.change_password("fd1", NURSE_PASSWORD, "short")
    with pytest.raises(ValidationError, match="differ"):
        users.change_password("fd1", NURSE_PASSWORD, NURSE_PASSWORD)
    users.change_password("fd1", NURSE_PASSWORD, "brand new password")
    with pytest.raises(AuthenticationFailed):
        users.authenticate("fd1", NURSE_PASSWORD)
    assert users.authenticate("fd1", "brand new password").user_id == user.id
    changed = users.get(admin, user.id)
    assert not changed.must_change_password
    with store.db.read() as session:
        changed_at, updated_by = session.execute(
            select(UserAccount.password_changed_at, UserAccount.updated_by)
            .where(UserAccount.id == user.id)).one()
    assert changed_at == START and updated_by == user.id


def test_change_password_respects_lockout(store: ChartStore, users: UserService,
                                          nurse_id: uuid.UUID) -> None:
    _set_policy(store, threshold=3, minutes=10)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            users.change_password("nurse1", "guess guess", "brand new password")
    with pytest.raises(AccountLocked):
        users.change_password("nurse1", NURSE_PASSWORD, "brand new password")
    with pytest.raises(AccountLocked):
        users.authenticate("nurse1", NURSE_PASSWORD)


# --- second factor --------------------------------------------------------------------------------


def test_totp_not_enforced_until_confirmed(store: ChartStore, users: UserService, admin: Actor,
                                           clock: FakeClock, nurse_id: uuid.UUID) -> None:
    assert users.totp_status(admin, nurse_id) == "off"
    enrollment = users.begin_totp_enrollment(admin, nurse_id)
    assert enrollment.provisioning_uri.startswith("otpauth://totp/Test%20Family%20Practice:nurse1?")
    assert users.totp_status(admin, nurse_id) == "pending"
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id  # no code needed yet
    with pytest.raises(ValidationError, match="does not match"):
        users.confirm_totp(admin, nurse_id, pyotp.TOTP(pyotp.random_base32()).at(clock.now))
    assert users.totp_status(admin, nurse_id) == "pending"
    code = pyotp.TOTP(enrollment.secret).at(clock.now)
    users.confirm_totp(admin, nurse_id, code)
    assert users.totp_status(admin, nurse_id) == "on"
    with pytest.raises(SecondFactorRequired):
        users.authenticate("nurse1", NURSE_PASSWORD)
    with pytest.raises(AuthenticationFailed):  # the confirming code is used up
        users.authenticate("nurse1", NURSE_PASSWORD, code)
    # A confirmed authenticator cannot be replaced behind the user's back.
    with pytest.raises(ValidationError, match="already on"):
        users.begin_totp_enrollment(admin, nurse_id)
    users.disable_totp(admin, nurse_id)
    assert users.totp_status(admin, nurse_id) == "off"
    assert users.authenticate("nurse1", NURSE_PASSWORD).user_id == nurse_id


def test_totp_login(store: ChartStore, users: UserService, admin: Actor, clock: FakeClock,
                    nurse_id: uuid.UUID) -> None:
    secret = _enable_totp(users, admin, nurse_id, clock)
    app = pyotp.TOTP(secret)
    code = app.at(clock.now)
    actor = users.authenticate("nurse1", NURSE_PASSWORD, f"{code[:3]} {code[3:]}")
    assert actor.user_id == nurse_id
    step = int(clock.now.timestamp()) // 30
    state = _state(store, nurse_id)
    assert state is not None and state.last_totp_step == step and state.last_login_at == clock.now
    # Replay of the same code, even by someone who knows the password, is refused.
    clock.advance(seconds=10)
    with pytest.raises(AuthenticationFailed):
        users.authenticate("nurse1", NURSE_PASSWORD, code)
    # A phone 30 s ahead or behind still works (each code once).
    clock.advance(seconds=60)
    assert users.authenticate("nurse1", NURSE_PASSWORD, app.at(clock.now - timedelta(seconds=30))).user_id
    assert users.authenticate("nurse1", NURSE_PASSWORD, app.at(clock.now + timedelta(seconds=30))).user_id
    # 90 s off is too far.
    clock.advance(seconds=120)
    with pytest.raises(AuthenticationFailed):
        users.authenticate("nurse1", NURSE_PASSWORD, app.at(clock.now - timedelta(seconds=90)))
    with pytest.raises(AuthenticationFailed):  # a code from some other secret
        users.authenticate("nurse1", NURSE_PASSWORD, pyotp.TOTP(pyotp.random_base32()).at(clock.now))


def test_second_factor_semantics_and_counting(store: ChartStore, users: UserService, admin: Actor,
                                              clock: FakeClock, nurse_id: uuid.UUID) -> None:
    _set_policy(store, threshold=3, minutes=10)
    secret = _enable_totp(users, admin, nurse_id, clock)
    good = pyotp.TOTP(secret).at(clock.now)
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    # A missing code after the right password asks for it and is not a failure.
    for _ in range(5):
        with pytest.raises(SecondFactorRequired, match="6-digit code from your authenticator app"):
            users.authenticate("nurse1", NURSE_PASSWORD)
        with pytest.raises(SecondFactorRequired):
            users.authenticate("nurse1", NURSE_PASSWORD, "  ")
    state = _state(store, nurse_id)
    assert state is not None and state.failed_logins == 0 and state.locked_until is None
    # A wrong password never reveals that a code would be needed; it counts.
    with pytest.raises(AuthenticationFailed):
        users.authenticate("nurse1", "wrong password")
    # A wrong code counts too; asking again without a code neither counts nor clears the count.
    with pytest.raises(AuthenticationFailed):
        users.authenticate("nurse1", NURSE_PASSWORD, bad)
    with pytest.raises(SecondFactorRequired):
        users.authenticate("nurse1", NURSE_PASSWORD)
    state = _state(store, nurse_id)
    assert state is not None and state.failed_logins == 2 and state.locked_until is None
    with pytest.raises(AuthenticationFailed):  # wrong password, right code: the third failure
        users.authenticate("nurse1", "wrong password", good)
    state = _state(store, nurse_id)
    assert state is not None and state.locked_until == clock.now + timedelta(minutes=10)
    # Locked: even the right password and code are refused until the lock runs out.
    with pytest.raises(AccountLocked):
        users.authenticate("nurse1", NURSE_PASSWORD, good)
    clock.advance(minutes=10, seconds=1)
    code = pyotp.TOTP(secret).at(clock.now)
    assert users.authenticate("nurse1", NURSE_PASSWORD, code).user_id == nurse_id


def test_wrong_codes_lock_and_unlock_keeps_replay_guard(store: ChartStore, users: UserService,
                                                       admin: Actor, clock: FakeClock,
                                                       nurse_id: uuid.UUID) -> None:
    _set_policy(store, threshold=3, minutes=10)
    secret = _enable_totp(users, admin, nurse_id, clock)
    code = pyotp.TOTP(secret).at(clock.now)
    users.authenticate("nurse1", NURSE_PASSWORD, code)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            users.authenticate("nurse1", NURSE_PASSWORD, code)  # replays count as failures
    with pytest.raises(AccountLocked):
        users.authenticate("nurse1", NURSE_PASSWORD, code)
    users.unlock(admin, nurse_id)
    with pytest.raises(AuthenticationFailed):  # unlocking did not forget the used step
        users.authenticate("nurse1", NURSE_PASSWORD, code)
    clock.advance(seconds=30)
    assert users.authenticate("nurse1", NURSE_PASSWORD, pyotp.TOTP(secret).at(clock.now)).user_id


# --- the production KDF cost --------------------------------------------------------------------


class TestProductionIterations:
    @pytest.fixture(autouse=True)
    def fast_password_hashing(self) -> None:
        """Overrides the conftest fixture: these tests hash at the real iteration count."""

    def test_production_hashes_verify_and_old_ones_upgrade(self, store: ChartStore, users: UserService,
                                                           admin: Actor) -> None:
        assert passwords.ITERATIONS == 600_000
        modern = users.create_user(admin, username="modern", display_name="M", password=NURSE_PASSWORD,
                                   roles=("nurse",))
        legacy = users.create_user(admin, username="legacy", display_name="L", password=NURSE_PASSWORD,
                                   roles=("nurse",), iterations=1000)

        def stored_hash(user_id: uuid.UUID) -> str:
            with store.db.read() as session:
                row = session.get(UserAccount, user_id)
                assert row is not None
                return row.password_hash

        assert stored_hash(modern.id).split("$")[1] == "600000"
        before = stored_hash(modern.id)
        assert users.authenticate("modern", NURSE_PASSWORD).user_id == modern.id
        assert stored_hash(modern.id) == before  # nothing to upgrade
        with pytest.raises(AuthenticationFailed):
            users.authenticate("modern", NURSE_PASSWORD + "x")

        assert stored_hash(legacy.id).split("$")[1] == "1000"
        assert users.authenticate("legacy", NURSE_PASSWORD).user_id == legacy.id
        upgraded = stored_hash(legacy.id)
        assert upgraded.split("$")[1] == "600000" and not passwords.needs_rehash(upgraded)
        assert users.authenticate("legacy", NURSE_PASSWORD).user_id == legacy.id
