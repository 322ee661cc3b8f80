"""The Summary tab: each panel shows what the chart holds (only active items), out-of-range vitals
and what needs attention stand out, withheld sections are named, and panels lead to their tabs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QBrush

from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.summary_tab import SummaryTab
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

TODAY = date.today()


def _tab(qtbot: Any, services: Services, actor: Any) -> SummaryTab:
    tab = SummaryTab(ChartContext(services, TaskRunner(), actor), today=lambda: TODAY)
    qtbot.addWidget(tab)
    tab.resize(1100, 600)
    tab.show()
    return tab


def _full_chart(services: Services, provider: Any) -> PatientDTO:
    p = services.patients.register(provider, family_name="Summers", given_name="Sam",
                                   birth_date=date(1960, 5, 5), sex="male")
    services.problems.create(provider, patient_id=p.id, icd10_code="I10", display="Essential hypertension",
                             onset_date=date(2019, 3, 1))
    gone = services.problems.create(provider, patient_id=p.id, icd10_code="J02.9", display="Pharyngitis")
    services.problems.resolve(provider, gone.id)
    services.medications.create(provider, patient_id=p.id, display="Lisinopril", strength="10 mg",
                                sig="1 tablet by mouth daily")
    stopped = services.medications.create(provider, patient_id=p.id, display="Amoxicillin", sig="tid")
    services.medications.stop(provider, stopped.id, "course finished")
    services.allergies.create(provider, patient_id=p.id, substance="Penicillin", reaction="hives")
    now = datetime.now(UTC)
    services.vitals.record(provider, p.id, taken_at=now - timedelta(days=40), weight=82.0, pulse=70)
    services.vitals.record(provider, p.id, taken_at=now - timedelta(hours=1), systolic=152, diastolic=96,
                           pulse=72, spo2=97)
    for days, reason, status in ((30, "Cough", "finished"), (1, "BP follow-up", "in-progress")):
        e = services.encounters.start(provider, p.id, "office-visit", reason=reason,
                                      start_time=now - timedelta(days=days))
        if status == "finished":
            services.encounters.finish(provider, e.id)
    services.notes.create(provider, patient_id=p.id, title="Visit", subjective="draft text")
    services.notes.create(provider, patient_id=p.id, title="Call", subjective="another draft")
    services.lab_results.create(provider, patient_id=p.id, loinc="2823-3", display="Potassium",
                                value_numeric=6.8, unit="mmol/L", reference_low=3.5, reference_high=5.1,
                                abnormal_flag="HH", collected_at=now - timedelta(days=2))
    seen = services.lab_results.create(provider, patient_id=p.id, loinc="2345-7", display="Glucose",
                                       value_numeric=130, unit="mg/dL", reference_low=70,
                                       reference_high=99, collected_at=now - timedelta(days=2))
    services.lab_results.mark_reviewed(provider, seen.id)
    services.lab_results.create(provider, patient_id=p.id, loinc="2951-2", display="Sodium",
                                value_numeric=140, unit="mmol/L", reference_low=135, reference_high=145,
                                collected_at=now - timedelta(days=2))
    return p


def test_panels_show_the_active_chart(qtbot: Any, services: Services, provider: Any) -> None:
    p = _full_chart(services, provider)
    tab = _tab(qtbot, services, provider)
    assert tab.title == "S&ummary" and tab.sections == ()
    tab.set_chart(services.chart.load(provider, p.id))
    texts = tab.panel_texts()
    assert texts["Active problems"] == ["Essential hypertension (I10) · since 03/2019"]
    assert texts["Current medications"] == ["Lisinopril 10 mg — 1 tablet by mouth daily"]
    assert texts["Allergies"] == ["Penicillin (hives)"]
    assert texts["Last vitals"][0] == "BP 152/96 mmHg ↑"
    assert "Pulse 72 /min" in texts["Last vitals"] and "SpO₂ 97 %" in texts["Last vitals"]
    older = (datetime.now(UTC) - timedelta(days=40)).astimezone().date()
    assert f"Weight 82 kg  ({older:%m/%d/%Y})" in texts["Last vitals"]
    assert tab.vitals.title().startswith("Last vitals (")
    assert texts["Recent encounters"][0].endswith("Office visit — BP follow-up  (in progress)")
    assert texts["Recent encounters"][1].endswith("Office visit — Cough")
    assert texts["Needs attention"][0] == "2 unsigned notes"
    assert texts["Needs attention"][1].startswith("Unreviewed: Potassium 6.8 mmol/L (HH)")
    assert len(texts["Needs attention"]) == 2  # reviewed and normal results are not listed
    assert not tab.notice.isVisible()
    # emphasis: the high BP and the critical potassium stand out (bold, coloured) - text marks them too
    bp = tab.vitals.list.item(0)
    assert bp.font().bold() and isinstance(bp.foreground(), QBrush)
    assert tab.attention.list.item(1).font().bold()
    assert not tab.problems.list.item(0).font().bold()
    # something is due for a 65-year-old with no immunizations recorded (when the rules are installed)
    try:
        import emr_desktop.clinical.due  # noqa: F401
    except ImportError:
        assert texts["Due"] == ["Nothing due"]
    else:
        assert any(t.startswith(("Overdue: ", "Due: ")) for t in texts["Due"]), texts["Due"]


def test_empty_chart_and_allergy_states(qtbot: Any, services: Services, provider: Any) -> None:
    p = services.patients.register(provider, family_name="Empty", given_name="Em",
                                   birth_date=date(2000, 1, 1), sex="female")
    tab = _tab(qtbot, services, provider)
    tab.set_chart(services.chart.load(provider, p.id))
    texts = tab.panel_texts()
    assert texts["Active problems"] == ["No active problems"]
    assert texts["Current medications"] == ["No current medications"]
    assert texts["Allergies"] == ["Allergies not recorded — ask and record them"]
    assert texts["Last vitals"] == ["No vitals recorded"] and tab.vitals.title() == "Last vitals"
    assert texts["Recent encounters"] == ["No encounters yet"]
    assert texts["Needs attention"] == ["Nothing waiting"]
    services.allergies.record_no_known_allergies(provider, p.id)
    tab.set_chart(services.chart.load(provider, p.id))
    assert tab.panel_texts()["Allergies"] == ["No known allergies (NKA)"]
    tab.clear_phi()
    assert all(lines == [] for lines in tab.panel_texts().values())


def test_withheld_sections_are_named(qtbot: Any, services: Services, provider: Any, admin: Any) -> None:
    p = _full_chart(services, provider)
    services.users.create_user(admin, username="desk", display_name="Front Desk", password=TEST_PASSWORD,
                               roles=("front_desk",))
    desk = services.users.authenticate("desk", TEST_PASSWORD)
    tab = _tab(qtbot, services, desk)
    tab.set_chart(services.chart.load(desk, p.id))
    texts = tab.panel_texts()
    assert tab.notice.isVisible() and tab.notice.text().startswith("Not shown to your role: ")
    assert "problems" in tab.notice.text() and "lab results" in tab.notice.text()
    assert "allergies" not in tab.notice.text()  # the front desk may read allergies
    assert texts["Active problems"] == ["Not available to your role"]
    assert texts["Current medications"] == ["Not available to your role"]
    assert texts["Allergies"] == ["Penicillin (hives)"]
    assert texts["Needs attention"] == ["Nothing waiting"]  # no note or lab detail leaks


def test_panels_lead_to_their_tabs(qtbot: Any, services: Services, provider: Any) -> None:
    p = _full_chart(services, provider)
    tab = _tab(qtbot, services, provider)
    tab.set_chart(services.chart.load(provider, p.id))
    tab.problems.list.setCurrentRow(0)
    with qtbot.waitSignal(tab.sig_tab_requested, timeout=1000) as blocker:
        qtbot.keyClick(tab.problems.list, Qt.Key.Key_Return)
    assert blocker.args == ["Problems"]
    tab.attention.list.setCurrentRow(1)
    with qtbot.waitSignal(tab.sig_tab_requested, timeout=1000) as blocker:
        qtbot.keyClick(tab.attention.list, Qt.Key.Key_Return)
    assert blocker.args == ["Labs"]
    with qtbot.waitSignal(tab.sig_tab_requested, timeout=1000) as blocker:
        qtbot.mouseClick(tab.vitals, Qt.MouseButton.LeftButton, pos=QPoint(20, 4))  # the title
    assert blocker.args == ["Vitals"]
    tab.grab().save("/tmp/summary_tab.png")
