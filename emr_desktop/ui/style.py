"""The app's one look: Fusion style (the same on every OS), the stylesheet from resources/styles,
and high-DPI scaling that follows the screen's real factor."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from emr_desktop.config import RESOURCES_DIR

STYLESHEET = RESOURCES_DIR / "styles" / "app.qss"


def prepare_high_dpi() -> None:
    """Call before the QApplication exists: fractional scale factors (125 %, 150 %) stay exact."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)


def apply_style(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setStyleSheet(STYLESHEET.read_text(encoding="utf-8"))
