"""The Qt binding must not leak or drop references to Python singletons: PySide6 6.12.0 under
Python 3.11 lowered None's reference count on every QLineEdit.setText / processEvents call, and a
long session then aborted with "none_dealloc". pyproject pins a version without the fault."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtWidgets import QApplication, QLineEdit


def test_widget_calls_keep_none_and_booleans_referenced(qtbot: Any) -> None:
    field = QLineEdit()
    qtbot.addWidget(field)
    app = QApplication.instance()
    assert app is not None
    none_before, true_before, false_before = (sys.getrefcount(v) for v in (None, True, False))
    for _ in range(500):
        field.setText("x")
        field.setEnabled(True)
        app.processEvents()
    drift = [sys.getrefcount(v) - before for v, before in
             ((None, none_before), (True, true_before), (False, false_before))]
    assert all(d > -50 for d in drift), f"reference counts drifted down: {drift}"
