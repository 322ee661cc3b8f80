"""Render the desktop client's main screens offscreen with a synthetic demo practice.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py docs/screenshots   (= make screenshots)

Everything shown is generated demo data (emr_desktop.demo: Faker names, seed 1); the chart lives in
a temporary folder with its key in a throw-away keyring file there, deleted at the end. Each screen
is the real widget at 1366x768, filled through the services and the task runner as in the app.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ["EMR_TEST_ALLOW_INSECURE_KEYRING"] = "1"   # synthetic data only, temporary folder
WORK = Path(tempfile.mkdtemp(prefix="emr-screens-"))
os.environ["XDG_DATA_HOME"] = str(WORK / "xdg")

from PySide6.QtCore import QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from emr_desktop.config import Settings  # noqa: E402
from emr_desktop.db.store import ChartStore  # noqa: E402
from emr_desktop.demo import generate_demo_practice  # noqa: E402
from emr_desktop.domain.actor import Actor  # noqa: E402
from emr_desktop.models import LabResult, VitalSign  # noqa: E402
from emr_desktop.security.keystore import KeyStore  # noqa: E402
from emr_desktop.services.registry import Services  # noqa: E402
from emr_desktop.ui import style  # noqa: E402

PASSWORD = "demo-password"
SIZE = (1366, 768)


def settle(ms: int = 400) -> None:
    """Let background tasks finish and their results reach the widgets."""
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def save(widget: QWidget, out: Path, name: str) -> None:
    settle()
    widget.grab().save(str(out / f"{name}.png"))
    print(f"  {name}.png")


def busiest_adult(services: Services) -> object:
    """A demo patient with a long history (many lab results and vitals): the richest screens."""
    with services.db.read() as s:
        lab_counts = dict(s.execute(select(LabResult.patient_id, func.count()).group_by(LabResult.patient_id)).tuples().all())
        vital_counts = dict(s.execute(select(VitalSign.patient_id, func.count()).group_by(VitalSign.patient_id)).tuples().all())
    return max(lab_counts, key=lambda pid: (lab_counts[pid] + vital_counts.get(pid, 0), str(pid)))


def main(out: Path) -> int:
    from emr_desktop.terminology import icd10
    from emr_desktop.ui.chart.chart_view import ChartView
    from emr_desktop.ui.chart.encounters_tab import EncountersTab
    from emr_desktop.ui.chart.labs_tab import LabsTab
    from emr_desktop.ui.chart.medications_tab import MedicationsTab
    from emr_desktop.ui.chart.problems_tab import ProblemsTab
    from emr_desktop.ui.chart.vitals_tab import VitalsTab
    from emr_desktop.ui.login import LoginDialog
    from emr_desktop.ui.main_window import MainWindow
    from emr_desktop.ui.patients.registration import RegistrationDialog
    from emr_desktop.ui.setup import SetupWizard
    from emr_desktop.ui.tasks import TaskRunner
    from emr_desktop.ui.widgets.code_picker import CodePickerDialog

    out.mkdir(parents=True, exist_ok=True)
    style.prepare_high_dpi()
    app = QApplication(sys.argv[:1])
    style.apply_style(app)
    tasks = TaskRunner()
    print(f"demo practice in {WORK} ...")
    settings = Settings(data_dir=WORK / "data")
    store, _code = ChartStore.create(settings, KeyStore())
    try:
        generate_demo_practice(store, patients=150, seed=1, password=PASSWORD)
        services = Services.build(store.db)
        staff = services.users.list_users(Actor.system())
        provider = next(u.username for u in staff if "provider" in u.roles)
        practice = services.practice.current()
        name = practice.name if practice else "Demo practice"

        # Only shown, never finished: nothing is written to this (typical) data folder.
        wizard = SetupWizard(Settings(data_dir=Path("/home/frontdesk/.local/share/emr-desktop")), tasks)
        wizard.resize(900, 620)
        wizard.show()
        save(wizard, out, "01-first-run")
        wizard.close()

        login = LoginDialog(services, tasks, name)
        login.username.setText(provider)
        login.show()
        save(login, out, "02-login")
        login.close()

        actor = services.users.authenticate(provider, PASSWORD)
        patient_id = busiest_adult(services)
        services.chart.load(actor, patient_id)          # so it shows under "Recent patients"
        window = MainWindow(services, tasks, actor, name, sync_autostart=False)
        window.resize(*SIZE)
        window.show()
        save(window, out, "03-main-window")

        chart = services.chart.load(actor, patient_id)
        window.panel.search.setText(chart.patient.family_name[:4])
        settle(600)
        view: ChartView = window.chart_view
        window.open_patient(patient_id)
        settle(800)
        save(window, out, "04-chart-summary")

        view.show_tab(EncountersTab)
        settle()
        save(window, out, "05-encounters-note")

        vitals = view.show_tab(VitalsTab)
        assert isinstance(vitals, VitalsTab)
        save(window, out, "06-vitals-trend")

        view.show_tab(MedicationsTab)
        save(window, out, "07-medications")

        labs = view.show_tab(LabsTab)
        assert isinstance(labs, LabsTab)
        abnormal = next((r for r in chart.lab_results if r.abnormal_flag and r.value_numeric is not None),
                        chart.lab_results[0] if chart.lab_results else None)
        if abnormal is not None:
            labs.select_result(abnormal.id)
        save(window, out, "08-labs-trend")

        view.show_tab(ProblemsTab)
        save(window, out, "09-problems")

        icd10.warm()
        picker = CodePickerDialog(icd10.search, tasks, "Choose a diagnosis (ICD-10-CM)", window)
        picker.resize(760, 480)
        picker.show()
        picker.field.setText("type 2 diab")
        settle(900)
        save(picker, out, "10-icd10-picker")
        picker.close()

        registration = RegistrationDialog(services, tasks, actor, window)
        registration.edits["family_name"].setText(chart.patient.family_name)
        registration.edits["given_name"].setText(chart.patient.given_name)
        registration.birth_date.set_birth_date(chart.patient.birth_date)
        registration.show()
        settle(900)
        save(registration, out, "11-registration-duplicate")
        registration.close()

        window.close()
        tasks.wait_for_idle()
    finally:
        store.close()
        shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots")))
