"""Settings and on-disk layout of one workstation profile. No Qt, no PHI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "emr-desktop"
KEYRING_SERVICE = "emr-desktop"
DATA_DIR_ENV = "EMR_DATA_DIR"
PASSWORD_ENV = "EMR_PASSWORD"


def _resources_dir() -> Path:
    """Inside the package when it was installed with its data, else the repository root's."""
    package = Path(__file__).resolve().parent
    inside = package / "resources"
    return inside if inside.is_dir() else package.parent / "resources"


#: Stylesheets and terminology tables shipped with the app.
RESOURCES_DIR = _resources_dir()


def default_data_dir() -> Path:
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Where one workstation profile keeps its files, and tunables that are not PHI."""

    data_dir: Path = field(default_factory=default_data_dir)
    #: SQLCipher page cache; DESIGN §5 measured 64 MB to keep reads near plain SQLite speed.
    cache_mb: int = 64
    #: Charts up to this size have every page's HMAC and the b-tree verified at open (flipped
    #: bytes, truncation). Larger ones (2 GB at 20,000 patients: ~30 s) get a quick check at open
    #: and the full one in the background (ChartStore.verify_pages); 0 = always quick.
    full_verify_max_mb: int = 256
    #: How many automatic (pre-migration / rotating) backups to keep.
    keep_backups: int = 10
    idle_lock_minutes: int = 10

    def wants_full_verify(self, size_bytes: int) -> bool:
        return size_bytes <= self.full_verify_max_mb * 1024 * 1024

    @property
    def db_path(self) -> Path:
        return self.data_dir / "chart.db"

    @property
    def store_meta_path(self) -> Path:
        """Plaintext, PHI-free facts about the store: its id and a key check value."""
        return self.data_dir / "store.json"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs"
