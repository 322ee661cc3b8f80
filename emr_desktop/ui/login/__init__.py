"""Log-in and lock screens (kept light: they appear before the chart and its services load)."""

from emr_desktop.ui.login.lock_dialog import LockDialog
from emr_desktop.ui.login.login_dialog import OPENING_TEXT, LoginDialog
from emr_desktop.ui.login.memory import WorkstationMemory

__all__ = ["OPENING_TEXT", "LockDialog", "LoginDialog", "WorkstationMemory"]
