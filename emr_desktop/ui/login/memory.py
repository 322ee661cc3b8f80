"""What this workstation remembers between runs, outside the chart: the last user name that logged
in here and the practice's name (so the log-in window can show it before the chart is open).

Neither is PHI (DESIGN §5 keeps PHI out of QSettings). They live in an ini file in the profile's
data folder, so each profile (and each test) has its own and nothing lands in the user's home
configuration.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

FILE_NAME = "workstation.ini"
_USERNAME = "login/last_username"
_PRACTICE = "practice/name"


class WorkstationMemory:
    def __init__(self, data_dir: Path) -> None:
        self._data_dir = data_dir

    @property
    def path(self) -> Path:
        return self._data_dir / FILE_NAME

    def _qsettings(self) -> QSettings:
        return QSettings(str(self.path), QSettings.Format.IniFormat)

    def _read(self, key: str) -> str:
        if not self.path.is_file():
            return ""
        value = self._qsettings().value(key, "")
        return value if isinstance(value, str) else ""

    def _write(self, key: str, value: str) -> None:
        if not self._data_dir.is_dir():  # never create a profile folder just to remember a name
            return
        qs = self._qsettings()
        qs.setValue(key, value)
        qs.sync()

    @property
    def last_username(self) -> str:
        return self._read(_USERNAME)

    def remember_username(self, username: str) -> None:
        self._write(_USERNAME, username)

    @property
    def practice_name(self) -> str:
        return self._read(_PRACTICE)

    def remember_practice(self, name: str) -> None:
        if name != self.practice_name:
            self._write(_PRACTICE, name)
