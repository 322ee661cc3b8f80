"""Throwaway PostgreSQL clusters for tests: initdb into a temporary folder, start on a free port of
127.0.0.1 with durability switched off, trust authentication, and remove everything on stop.

initdb refuses to run as root, so as root the cluster folder belongs to the ``postgres`` system user
(created by Debian's package; an unprivileged user is added with useradd if it is missing) and the
server binaries run through ``runuser``.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

PG_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"
INSTALL_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) were not found under /usr/lib/postgresql/*/bin. "
                "The hub tests need them: install Debian's postgresql package "
                "(apt-get install -y postgresql, or run scripts/system-deps.sh as root).")
# Test speed over durability: nothing here must survive a crash.
SERVER_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "log_min_messages": "warning",
}


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_bin_dir(root: Path = PG_ROOT) -> Path | None:
    """The newest ``<root>/<version>/bin`` holding both initdb and pg_ctl, or None."""
    found: list[tuple[tuple[int, ...], Path]] = []
    for bin_dir in root.glob("*/bin"):
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            version = tuple(int(n) for n in re.findall(r"\d+", bin_dir.parent.name)) or (0,)
            found.append((version, bin_dir))
    return max(found)[1] if found else None


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now (the caller retries if someone takes it first)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        SERVICE_USER], check=True, capture_output=True)
        return pwd.getpwnam(SERVICE_USER)


class PostgresCluster:
    """One private PostgreSQL server. ``start()`` creates and starts it, ``stop()`` removes it."""

    def __init__(self, *, bin_dir: Path | None = None, search_root: Path = PG_ROOT,
                 prefix: str = "emr-pg-") -> None:
        self._bin_dir = bin_dir
        self._search_root = search_root
        self._prefix = prefix
        self._as_root = os.geteuid() == 0
        self.base_dir: Path | None = None
        self.port: int = 0
        self.host = "127.0.0.1"
        self.user = "postgres"  # the database superuser (initdb -U), whatever OS user runs it
        self._running = False

    # --- paths -------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "cluster not started"
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None, "cluster not started"
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None, "cluster not started"
        return self.base_dir / "server.log"

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> PostgresCluster:
        """initdb + pg_ctl start; raises PostgresMissing without server binaries."""
        if self._running:
            return self
        bin_dir = self._bin_dir or find_bin_dir(self._search_root)
        if bin_dir is None:
            raise PostgresMissing(INSTALL_HINT)
        self._bin_dir = bin_dir
        self.base_dir = Path(tempfile.mkdtemp(prefix=self._prefix))
        try:
            self.socket_dir.mkdir()
            if self._as_root:
                account = _ensure_service_user()
                self.base_dir.chmod(0o700)
                for path in (self.base_dir, self.socket_dir):
                    os.chown(path, account.pw_uid, account.pw_gid)
            self._run(["initdb", "-D", str(self.data_dir), "-U", self.user, "--auth=trust",
                       "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"])
            settings = dict(SERVER_SETTINGS, unix_socket_directories=f"'{self.socket_dir}'")
            with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as conf:
                conf.write("\n# tests/support/postgres.py\n")
                conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
            self._start_on_free_port()
        except BaseException:
            self._remove_dir()
            raise
        self._running = True
        atexit.register(self.stop)
        return self

    def _start_on_free_port(self, attempts: int = 5) -> None:
        for attempt in range(attempts):
            self.port = free_port(self.host)
            try:
                self._run(["pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-w", "-t", "60",
                           "-o", f"-p {self.port}", "start"])
                return
            except RuntimeError:
                log = self.log_file.read_text(errors="replace") if self.log_file.exists() else ""
                if "could not bind" not in log or attempt == attempts - 1:
                    raise
                self.log_file.unlink()  # someone took the port between probe and start: try another

    def stop(self) -> None:
        """Stop the server (immediate: nothing to keep) and remove the cluster folder."""
        if self._running:
            self._running = False
            try:
                self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"])
            finally:
                self._remove_dir()
            atexit.unregister(self.stop)
        elif self.base_dir is not None:
            self._remove_dir()

    def _remove_dir(self) -> None:
        if self.base_dir is not None:
            shutil.rmtree(self.base_dir, ignore_errors=True)
            self.base_dir = None

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._running

    def _run(self, argv: list[str]) -> None:
        assert self._bin_dir is not None and self.base_dir is not None
        cmd = [str(self._bin_dir / argv[0]), *argv[1:]]
        if self._as_root:
            cmd = ["runuser", "-u", SERVICE_USER, "--", *cmd]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C")
        proc = subprocess.run(cmd, cwd=self.base_dir, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        if proc.returncode != 0:
            log = self.log_file.read_text(errors="replace")[-4000:] if self.log_file.exists() else ""
            raise RuntimeError(f"{argv[0]} failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}\n"
                               f"{log}")

    # --- databases ---------------------------------------------------------------------------

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL (psycopg 3 driver) of one database of this cluster."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    def conninfo(self, dbname: str = "postgres") -> str:
        """libpq connection string for ``psycopg.connect``."""
        return f"host={self.host} port={self.port} user={self.user} dbname={dbname}"

    def create_database(self) -> str:
        """Create a fresh, uniquely named, empty database; returns its SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'")
                         .format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, url_or_name: str) -> None:
        """Drop a database made by create_database, closing any connection still open to it."""
        name = url_or_name.rsplit("/", 1)[-1]
        with psycopg.connect(self.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
