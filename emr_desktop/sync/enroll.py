"""Enrolling a workstation with the practice hub, and opening its sync client afterwards.

An empty data folder gets a new encrypted store filled from the hub (snapshot, then the log tail);
a data folder that already holds a chart joins an empty hub and pushes its whole chart. The hub's
credential is kept in the OS keyring next to the chart key, never in a file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.domain.errors import EmrError
from emr_desktop.security.keystore import KeyStore
from emr_desktop.sync.capture import SITE_STATE_KEY
from emr_desktop.sync.client import HUB_ADDRESS, HUB_CA, SyncClient, SyncReport, sync_state
from emr_desktop.sync.protocol import HubApi, NotEnrolled
from emr_desktop.sync.transport import open_transport

CREDENTIAL = "hub-credential"
Opener = Callable[[str, str | None, str | None], HubApi]


@dataclass
class EnrollResult:
    store: ChartStore
    site_code: str
    recovery_code: str | None     # set when a new store was created (show it once)
    joined: bool
    rows: int                     # rows bootstrapped or ops queued for the hub
    report: SyncReport | None


def enroll(settings: Settings, keystore: KeyStore, address: str, code: str, *, ca_file: str | None = None,
           name: str = "", progress: Callable[[int, int | None], None] | None = None,
           opener: Opener = open_transport) -> EnrollResult:
    existing = settings.db_path.exists()
    transport = opener(address, None, ca_file)
    recovery = None
    if existing:
        store = ChartStore.open(settings, keystore)
        try:
            client = SyncClient(store.db, transport)
            state = client.state()
            if state.get(HUB_ADDRESS):
                raise EmrError("This workstation is already enrolled with a practice hub.",
                               "Run `emr-desktop sync`; to move it to another hub, set it up afresh.")
            reply = transport.enroll({"code": code, "site_code": state.get(SITE_STATE_KEY),
                                      "name": name, "join": True,
                                      "mrn_blocks": client.local_mrn_blocks()})
        except BaseException:
            store.close()
            raise
    else:
        keystore.check()   # no keyring: say so before the one-time code is used up
        # The hub checks the code first: a refused code leaves nothing behind in the data folder.
        reply = transport.enroll({"code": code, "site_code": None, "name": name,
                                  "join": False, "mrn_blocks": []})
        store, recovery = ChartStore.create(settings, keystore)
    try:
        keystore.save_secret(store.meta.store_id, CREDENTIAL, reply["credential"])
        transport = opener(address, reply["credential"], ca_file)
        client = SyncClient(store.db, transport)
        client.record_enrollment(reply, address, _read_ca(ca_file), needs_bootstrap=not existing)
        if existing:
            rows = client.queue_whole_chart()
        else:
            rows = client.bootstrap(progress)
        report = client.sync_once(progress if existing else None)
    except BaseException:
        store.close()
        raise
    return EnrollResult(store, reply["site_code"], recovery, existing, rows, report)


def _read_ca(ca_file: str | None) -> str | None:
    if not ca_file:
        return None
    with open(ca_file, encoding="ascii") as fh:
        return fh.read()


def client_for(store: ChartStore, keystore: KeyStore, opener: Opener = open_transport) -> SyncClient:
    """The sync client of an enrolled store (the pinned CA is read back from the chart)."""
    import tempfile

    state = sync_state(store.db)
    address = state.get(HUB_ADDRESS)
    if not address:
        raise NotEnrolled()
    credential = keystore.load_secret(store.meta.store_id, CREDENTIAL)
    if not credential:
        raise NotEnrolled("This workstation's hub credential is missing from the keyring.")
    ca_file = None
    if state.get(HUB_CA):
        # httpx needs a file for the CA; it holds only the public CA certificate (no PHI).
        ca_dir = store.settings.data_dir / "hub-ca.pem"
        if not ca_dir.exists() or ca_dir.read_text(encoding="ascii") != state[HUB_CA]:
            with tempfile.NamedTemporaryFile("w", dir=store.settings.data_dir, delete=False,
                                             encoding="ascii") as fh:
                fh.write(state[HUB_CA])
            import os
            os.replace(fh.name, ca_dir)
        ca_file = str(ca_dir)
    return SyncClient(store.db, opener(address, credential, ca_file))
