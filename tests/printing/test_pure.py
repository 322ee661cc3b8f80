"""The builders are plain Python: importing and running them pulls in neither Qt nor the database."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from emr_desktop.printing import samples
from emr_desktop.printing.data import PrintSettings
from emr_desktop.printing.prescription import build_prescriptions
from emr_desktop.printing.visit_summary import build_visit_summary
build_visit_summary(samples.visit_summary(), PrintSettings())
build_prescriptions([samples.prescription()], PrintSettings())
bad = sorted(m for m in sys.modules if m.split(".")[0] in {"PySide6", "shiboken6", "sqlalchemy",
             "sqlcipher3", "sqlite3"} or m.startswith(("emr_desktop.db", "emr_desktop.services",
             "emr_desktop.models", "emr_desktop.ui")))
print(",".join(bad))
"""


def test_builders_import_no_qt_and_no_database() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                          timeout=120)
    assert done.stdout.strip() == ""
