"""Shared fixtures. Every test gets its own keyring file (keyrings.alt's plaintext backend, which
the app refuses unless EMR_TEST_ALLOW_INSECURE_KEYRING=1 - set here and only here) and its own
data folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hyp_settings
from keyrings.alt.file import PlaintextKeyring

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.security import passwords
from emr_desktop.security.keystore import INSECURE_KEYRING_ENV, KeyStore
from emr_desktop.services.registry import Services
from emr_desktop.services.setup import initialize_practice

pytest_plugins = ["tests.support.fixtures"]

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

hyp_settings.register_profile("ci", max_examples=50, deadline=None,
                              suppress_health_check=[HealthCheck.too_slow])
hyp_settings.register_profile("dev", max_examples=25, deadline=None)
hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

TEST_PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def isolated_keyring(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path_factory.mktemp("keyring")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    monkeypatch.setenv(INSECURE_KEYRING_ENV, "1")
    backend = PlaintextKeyring()
    backend.file_path = str(folder / "keyring.cfg")
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield folder
    keyring.set_keyring(previous)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process tests hash with few iterations; the production count is tested on its own."""
    monkeypatch.setattr(passwords, "ITERATIONS", 1000)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "profile")


@pytest.fixture
def store(settings: Settings) -> Iterator[ChartStore]:
    chart, _code = ChartStore.create(settings, KeyStore())
    initialize_practice(chart.db, practice_name="Test Family Practice", workstation_name="desk-1",
                        admin_password=TEST_PASSWORD)
    yield chart
    chart.close()


@pytest.fixture
def services(store: ChartStore) -> Services:
    return Services.build(store.db)


@pytest.fixture
def admin(services: Services) -> Actor:
    return services.users.authenticate("admin", TEST_PASSWORD)


@pytest.fixture
def provider(services: Services, admin: Actor) -> Actor:
    services.users.create_user(admin, username="drsmith", display_name="Dana Smith",
                               password=TEST_PASSWORD, roles=(Role.PROVIDER.value,),
                               credentials="MD", npi="1234567893")
    return services.users.authenticate("drsmith", TEST_PASSWORD)


@pytest.fixture
def everyone(services: Services, admin: Actor) -> Actor:
    """A user holding every role: for tests of record behaviour rather than of permissions."""
    services.users.create_user(admin, username="allroles", display_name="All Roles",
                               password=TEST_PASSWORD, roles=tuple(r.value for r in Role))
    return services.users.authenticate("allroles", TEST_PASSWORD)
