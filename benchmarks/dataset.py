"""The benchmark data set: an isolated keyring, a cached encrypted demo chart, its plaintext twin.

Layout of one cached data set (``<data-dir>/p<patients>-s<seed>[-<generator>]/``)::

    keyring.cfg          the chart key (keyrings.alt plaintext file - synthetic data only)
    pristine/            the encrypted chart as generated: chart.db + store.json
    plain.db             a decrypted copy of it (ChartStore.export_plaintext)
    generation.json      written last: how long generation took, file sizes, who made it
    run/                 throw-away copies a run works on, deleted after it (writes never
                         touch pristine/)

Every run copies ``pristine/`` and ``plain.db`` into ``run/`` first, so repeated runs measure the
same data: the save-an-encounter measure adds rows only to the copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import keyring
from keyrings.alt.file import PlaintextKeyring

from emr_desktop.config import Settings
from emr_desktop.db import migrate
from emr_desktop.db.store import ChartStore
from emr_desktop.security.keystore import INSECURE_KEYRING_ENV, KeyStore

#: Password of every staff account in the benchmark practice (synthetic data only).
BENCH_PASSWORD = "bench-password-synthetic"
CACHE_FORMAT = 1
KEYRING_BACKEND_ENV = "PYTHON_KEYRING_BACKEND"
PLAINTEXT_BACKEND = "keyrings.alt.file.PlaintextKeyring"

Progress = Callable[[int, int], None]


class Generator(Protocol):
    def __call__(self, store: ChartStore, *, patients: int, seed: int, password: str,
                 progress: Progress | None = None) -> object: ...


@contextmanager
def isolated_keyring(folder: Path) -> Iterator[Path]:
    """Use a keyrings.alt plaintext keyring file in ``folder`` for the duration.

    SYNTHETIC DATA ONLY. The benchmark charts hold generated patients, never real ones, so their
    keys may sit in a plaintext file next to them; this is the same isolation the test suite uses
    (tests/conftest.py). The application itself refuses this backend unless
    EMR_TEST_ALLOW_INSECURE_KEYRING=1, which only this context (and the tests) set. The previous
    keyring backend and environment are restored on exit.
    """
    folder.mkdir(parents=True, exist_ok=True)
    saved_env = {name: os.environ.get(name) for name in (INSECURE_KEYRING_ENV, KEYRING_BACKEND_ENV)}
    os.environ[INSECURE_KEYRING_ENV] = "1"
    os.environ[KEYRING_BACKEND_ENV] = PLAINTEXT_BACKEND
    backend = PlaintextKeyring()
    backend.file_path = str(folder / "keyring.cfg")  # explicit: never the user's own keyring file
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield folder / "keyring.cfg"
    finally:
        keyring.set_keyring(previous)
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class GenerationRecord:
    """Contents of generation.json (no PHI: the data is synthetic and this holds none anyway)."""

    patients: int
    seed: int
    generator: str
    generation_seconds: float
    generated_at: str
    encrypted_bytes: int
    plain_bytes: int
    #: Alembic head the chart was made with: the plain copy cannot be migrated, so a data set
    #: from another schema is regenerated.
    schema_revision: str = ""
    #: Hash of the generator's source: when it changed, the report says the cache may be stale.
    generator_fingerprint: str = ""
    format: int = CACHE_FORMAT

    @classmethod
    def load(cls, path: Path) -> GenerationRecord | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            record = cls(**data)
        except (OSError, ValueError, TypeError):
            return None
        return record if record.format == CACHE_FORMAT else None

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)


@dataclass(frozen=True)
class Dataset:
    folder: Path
    record: GenerationRecord
    cached: bool

    @property
    def pristine_dir(self) -> Path:
        return self.folder / "pristine"

    @property
    def plain_path(self) -> Path:
        return self.folder / "plain.db"

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"


def dataset_folder(data_dir: Path, patients: int, seed: int, generator: str) -> Path:
    suffix = "" if generator == "demo" else f"-{generator}"
    return data_dir / f"p{patients}-s{seed}{suffix}"


def demo_generator() -> Generator:
    """The project's demo generator (emr_desktop.demo), imported only when it is needed."""
    try:
        from emr_desktop.demo import generate_demo_practice
    except ImportError as exc:
        raise SystemExit(
            f"emr_desktop.demo.generate_demo_practice is not available ({exc}).\n"
            "Use `--generator services` for a smaller data set made through the services."
        ) from exc
    return generate_demo_practice  # type: ignore[no-any-return]


def services_generator() -> Generator:
    from benchmarks.services_dataset import generate_services_practice

    return generate_services_practice


GENERATORS: dict[str, Callable[[], Generator]] = {
    "demo": demo_generator,
    "services": services_generator,
}


def generator_fingerprint(generator: str) -> str:
    """sha256 (first 16 hex digits) of the source files that make the data set."""
    if generator == "demo":
        import emr_desktop

        sources = sorted((Path(emr_desktop.__file__).parent / "demo").glob("*.py"))
    else:
        sources = [Path(__file__).with_name("services_dataset.py")]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _stderr_progress(label: str) -> Progress:
    last = [-1]

    def report(done: int, total: int) -> None:
        pct = 100 * done // max(total, 1)
        if pct != last[0] and sys.stderr.isatty():
            last[0] = pct
            end = "\n" if done >= total else ""
            print(f"\r  {label}: {done}/{total} patients ({pct}%)", end=end, file=sys.stderr,
                  flush=True)

    return report


def prepare(data_dir: Path, *, patients: int, seed: int, generator: str = "demo",
            fresh: bool = False, log: Callable[[str], None] = print) -> Dataset:
    """Return the cached data set, generating it first when missing, stale or ``fresh``.

    The keyring must already be isolated to ``dataset_folder(...)`` (see ``isolated_keyring``).
    """
    folder = dataset_folder(data_dir, patients, seed, generator)
    meta_path = folder / "generation.json"
    record = None if fresh else GenerationRecord.load(meta_path)
    pristine = Settings(data_dir=folder / "pristine")
    head = migrate.head_revision()
    complete = (pristine.db_path.is_file() and pristine.store_meta_path.is_file()
                and (folder / "plain.db").is_file())
    if record is not None and complete:
        if record.schema_revision == head:
            return Dataset(folder, record, cached=True)
        log(f"the cached chart has schema {record.schema_revision or '?'}, this code {head}: "
            "regenerating")

    log(f"generating {patients} patients (seed {seed}, generator {generator}) in {folder} ...")
    for stale in ("pristine", "run"):
        shutil.rmtree(folder / stale, ignore_errors=True)
    for stale_file in ("plain.db", "plain.db-wal", "plain.db-shm", "generation.json", "keyring.cfg"):
        (folder / stale_file).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    make = GENERATORS[generator]()

    started = time.perf_counter_ns()
    store, _recovery_code = ChartStore.create(pristine, KeyStore())
    try:
        make(store, patients=patients, seed=seed, password=BENCH_PASSWORD,
             progress=_stderr_progress("generating"))
        seconds = (time.perf_counter_ns() - started) / 1e9
        with store.engine.connect() as conn:  # fold the WAL into chart.db: one self-contained file
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.export_plaintext(folder / "plain.db")
        os.chmod(folder / "plain.db", 0o600)  # decrypted, if synthetic: owner only
    finally:
        store.close()
    record = GenerationRecord(
        patients=patients, seed=seed, generator=generator, generation_seconds=round(seconds, 3),
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        encrypted_bytes=pristine.db_path.stat().st_size,
        plain_bytes=(folder / "plain.db").stat().st_size,
        schema_revision=head, generator_fingerprint=generator_fingerprint(generator),
    )
    record.save(meta_path)
    return Dataset(folder, record, cached=False)


def make_run_copies(dataset: Dataset) -> tuple[Settings, Path]:
    """Fresh working copies of both charts; returns the encrypted profile and the plain file."""
    shutil.rmtree(dataset.run_dir, ignore_errors=True)
    profile = dataset.run_dir / "profile"
    profile.mkdir(parents=True)
    for name in ("chart.db", "store.json"):
        shutil.copyfile(dataset.pristine_dir / name, profile / name)
    plain = dataset.run_dir / "plain.db"
    shutil.copyfile(dataset.plain_path, plain)
    os.chmod(plain, 0o600)
    # The pristine copy was verified when it was written; skip the full HMAC pass on open.
    return Settings(data_dir=profile, full_verify_max_mb=0), plain
