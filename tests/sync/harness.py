"""Workstations and a hub for sync tests: a real SQLCipher chart per workstation, services on it,
and a hub service (embedded SQLite or PostgreSQL), connected by an in-process transport."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.security.keystore import KeyStore
from emr_desktop.server.service import HubService
from emr_desktop.server.store import HubStore
from emr_desktop.services.export import export_json
from emr_desktop.services.registry import Services
from emr_desktop.services.setup import initialize_practice
from emr_desktop.sync.client import SyncClient
from emr_desktop.sync.enroll import enroll
from emr_desktop.sync.transport import LocalTransport

PASSWORD = "correct horse battery"


@dataclass
class Workstation:
    name: str
    store: ChartStore
    services: Services
    client: SyncClient

    @property
    def db(self) -> Any:
        return self.store.db

    def login(self, username: str) -> Actor:
        return self.services.users.authenticate(username, PASSWORD)

    def export(self) -> str:
        out = io.StringIO()
        export_json(self.db, out)
        return out.getvalue()

    def sync(self) -> Any:
        return self.client.sync_once()

    def close(self) -> None:
        self.store.close()


def make_hub(url: str) -> HubService:
    HubStore.init(url)
    return HubService(HubStore.open(url))


def hub_export(hub: HubService) -> str:
    return "\n".join(hub.export_lines()) + "\n"


def _opener(hub: HubService):
    def open_(address: str, credential: str | None, ca: str | None) -> LocalTransport:
        return LocalTransport(hub, credential)
    return open_


STAFF = (("doc", Role.PROVIDER.value), ("nurse", Role.NURSE.value), ("desk", Role.FRONT_DESK.value))


def set_up_practice(folder: Path, *, staff: tuple[tuple[str, str], ...] = STAFF,
                    practice_name: str = "Sync Test Practice") -> Settings:
    """A closed, set-up chart (practice, admin and staff) in ``folder``, not enrolled anywhere."""
    settings = Settings(data_dir=folder)
    store, _ = ChartStore.create(settings, KeyStore())
    initialize_practice(store.db, practice_name=practice_name, workstation_name=folder.name,
                        admin_password=PASSWORD)
    services = Services.build(store.db)
    admin = services.users.authenticate("admin", PASSWORD)
    for username, role in staff:
        services.users.create_user(admin, username=username, display_name=username.title(),
                                   password=PASSWORD, roles=(role,))
    store.close()
    return settings


def first_workstation(hub: HubService, folder: Path, *, staff: tuple[tuple[str, str], ...] = STAFF
                      ) -> Workstation:
    """A set-up workstation (practice, admin and staff) that joins the empty hub."""
    settings = set_up_practice(folder, staff=staff)
    result = enroll(settings, KeyStore(), "sqlite:///embedded", hub.create_enroll_code(folder.name),
                    opener=_opener(hub))
    return Workstation(folder.name, result.store, Services.build(result.store.db),
                       SyncClient(result.store.db, LocalTransport(hub, _credential(result.store))))


def new_workstation(hub: HubService, folder: Path) -> Workstation:
    settings = Settings(data_dir=folder)
    result = enroll(settings, KeyStore(), "sqlite:///embedded", hub.create_enroll_code(folder.name),
                    opener=_opener(hub))
    return Workstation(folder.name, result.store, Services.build(result.store.db),
                       SyncClient(result.store.db, LocalTransport(hub, _credential(result.store))))


def _credential(store: ChartStore) -> str:
    from emr_desktop.sync.enroll import CREDENTIAL

    value = KeyStore().load_secret(store.meta.store_id, CREDENTIAL)
    assert value
    return value


def hub_credential(store: ChartStore) -> str:
    """The hub credential an enrolled store keeps in the (per-test) keyring."""
    return _credential(store)


def open_workstation(folder: Path, transport_for: Any) -> Workstation:
    """Reopen an enrolled workstation's data folder (e.g. a copy of one); ``transport_for`` gets its
    hub credential and returns the transport (a LocalTransport, or anything speaking HubApi)."""
    store = ChartStore.open(Settings(data_dir=folder), KeyStore())
    try:
        transport = transport_for(_credential(store))
    except BaseException:
        store.close()
        raise
    return Workstation(folder.name, store, Services.build(store.db), SyncClient(store.db, transport))


def phone_conflict(folder: Path, phones: tuple[str, str] = ("555-0111", "555-0222")
                   ) -> tuple[HubService, Workstation, Workstation, Any]:
    """Two workstations (A joined, B bootstrapped) that changed the same patient's mobile phone
    between syncs; after A, B, A sync, the hub holds one field conflict. Returns hub, A, B, patient."""
    from datetime import date

    hub = make_hub(f"sqlite:///{folder / 'hub.db'}")
    a = first_workstation(hub, folder / "a")
    b = new_workstation(hub, folder / "b")
    doc_a = a.login("doc")
    patient = a.services.patients.register(doc_a, family_name="Conflict", given_name="Review",
                                           birth_date=date(1975, 3, 3), sex="female")
    a.sync()
    b.sync()
    a.services.patients.update(doc_a, patient.id, phone_mobile=phones[0])
    b.services.patients.update(b.login("doc"), patient.id, phone_mobile=phones[1])
    a.sync()
    b.sync()
    a.sync()
    return hub, a, b, patient
