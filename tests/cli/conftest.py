"""Running the real command line in a child process, as scripts do."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest
from keyrings.alt.file import PlaintextKeyring

from emr_desktop.config import Settings
from emr_desktop.db.store import ChartStore
from emr_desktop.security.keystore import INSECURE_KEYRING_ENV, KeyStore

PASSWORD = "cli-test-password"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run(tmp_path: Path, isolated_keyring: Path) -> Run:
    """``run(*args, password=..., stdin=..., check=True, **env)``: emr-desktop in a child process
    with this test's keyring and data folder; extra keyword arguments are environment variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMR_")}
    env.update(PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
               XDG_DATA_HOME=str(isolated_keyring), **{INSECURE_KEYRING_ENV: "1"},
               EMR_DATA_DIR=str(tmp_path / "profile"))

    def _run(*args: str, password: str | None = PASSWORD, stdin: str = "", check: bool = True,
             **extra_env: str) -> subprocess.CompletedProcess[str]:
        full_env = {**env, **extra_env}
        if password is not None:
            full_env.setdefault("EMR_PASSWORD", password)
        proc = subprocess.run([sys.executable, "-m", "emr_desktop", *args], env=full_env, input=stdin,
                              capture_output=True, text=True, timeout=300)
        if check:
            assert proc.returncode == 0, proc.stderr
        return proc

    return _run


@contextmanager
def opened_profile(tmp_path: Path) -> Iterator[ChartStore]:
    """The chart the CLI made, opened in this process with the key from the child's keyring file."""
    keyring.set_keyring(PlaintextKeyring())  # XDG_DATA_HOME/python_keyring/keyring_pass.cfg
    store = ChartStore.open(Settings(data_dir=tmp_path / "profile"), KeyStore())
    try:
        yield store
    finally:
        store.close()
