"""The Labs tab: flags (from the lab, or derived), filter, details, the trend of one test with its
reference band, and "Mark reviewed" for providers - through the real services."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.records import LabResultDTO, PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import ChartContext
from emr_desktop.ui.chart.labs_tab import LabsTab
from emr_desktop.ui.qt_models.dto_table import DTO_ROLE
from emr_desktop.ui.qt_models.labs import Column, LabResultTableModel, filter_results, result_flag
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

NOW = datetime.now(UTC).replace(microsecond=0)
A1C = ("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood")
POTASSIUM = ("2823-3", "Potassium [Moles/volume] in Serum or Plasma")
STREP = ("78012-2", "Streptococcus pyogenes Ag [Presence] in Throat by Rapid immunoassay")


@pytest.fixture
def patient(services: Services, provider: Actor) -> PatientDTO:
    return services.patients.register(provider, family_name="Labson", given_name="Lena",
                                      birth_date=date(1959, 9, 9), sex="female")


@pytest.fixture
def results(services: Services, provider: Actor, patient: PatientDTO) -> dict[str, Any]:
    """Three A1c values (the last from an order), a critical potassium, a positive strep test."""
    order = services.lab_orders.create(provider, patient_id=patient.id, loinc=A1C[0], display=A1C[1],
                                       performing_lab="Quest Diagnostics")
    a1c = [services.lab_results.create(provider, patient_id=patient.id, loinc=A1C[0], display=A1C[1],
                                       value_numeric=value, unit="%", reference_low=4.0, reference_high=5.6,
                                       collected_at=NOW - timedelta(days=days),
                                       order_id=order.id if days == 5 else None,
                                       comment="Fasting specimen" if days == 5 else "")
           for days, value in ((365, 5.4), (180, 7.9), (5, 7.1))]
    k = services.lab_results.create(provider, patient_id=patient.id, loinc=POTASSIUM[0], display=POTASSIUM[1],
                                    value_numeric=6.6, unit="mmol/L", reference_low=3.5, reference_high=5.1,
                                    abnormal_flag="HH", collected_at=NOW - timedelta(days=2))
    strep = services.lab_results.create(provider, patient_id=patient.id, loinc=STREP[0], display=STREP[1],
                                        value_text="Positive", abnormal_flag="A",
                                        collected_at=NOW - timedelta(days=40))
    services.lab_orders.create(provider, patient_id=patient.id, loinc="24331-1",
                               display="Lipid 1996 panel - Serum or Plasma")
    return {"order": order, "a1c": a1c, "k": k, "strep": strep}


def _tab(qtbot: Any, services: Services, actor: Actor, patient: PatientDTO) -> tuple[ChartContext, LabsTab]:
    ctx = ChartContext(services, TaskRunner(), actor)
    qtbot.waitUntil(lambda: ctx.staff_known)
    tab = LabsTab(ctx)
    qtbot.addWidget(tab)
    tab.set_chart(services.chart.load(actor, patient.id))
    tab.resize(1100, 600)
    return ctx, tab


def _texts(tab: LabsTab, column: Column) -> list[str]:
    return [tab.model.index(r, column).data() for r in range(tab.model.rowCount())]


def test_results_newest_first_with_flags(qtbot: Any, services: Services, provider: Actor,
                                         patient: PatientDTO, results: dict[str, Any],
                                         qtmodeltester: Any) -> None:
    _ctx, tab = _tab(qtbot, services, provider, patient)
    model = tab.model
    assert model.rowCount() == 5
    a1c = results["a1c"]
    assert [model.row_at(r).id for r in range(5)] == [
        results["k"].id, a1c[2].id, results["strep"].id, a1c[1].id, a1c[0].id]
    assert _texts(tab, Column.FLAG) == ["HH ↑↑", "H ↑", "A", "H ↑", ""]
    assert _texts(tab, Column.VALUE) == ["6.6 mmol/L", "7.1 %", "Positive", "7.9 %", "5.4 %"]
    assert _texts(tab, Column.REFERENCE)[:2] == ["3.5–5.1", "4–5.6"]
    assert _texts(tab, Column.REVIEWED) == ["Not yet"] * 5
    fg = Qt.ItemDataRole.ForegroundRole
    assert model.index(0, Column.VALUE).data(fg).color().name() == "#b91c1c"   # critical
    assert model.index(1, Column.FLAG).data(fg).color().name() == "#b45309"    # abnormal
    assert model.index(4, Column.FLAG).data(fg) is None
    assert model.index(0, Column.FLAG).data(Qt.ItemDataRole.ToolTipRole) == "Critically high"
    assert "5 results · 4 abnormal not reviewed" == tab.count_label.text()
    assert "Lipid 1996 panel" in tab.pending_label.text()
    qtmodeltester.check(model)


def test_flags_derived_when_the_lab_sent_none() -> None:
    def dto(**values: Any) -> LabResultDTO:
        base = dict(id=uuid.uuid4(), patient_id=uuid.uuid4(), loinc=A1C[0], display=A1C[1], status="final",
                    collected_at=NOW, reference_low=4.0, reference_high=5.6)
        base.update(values)
        return LabResultDTO(**base)

    assert result_flag(dto(value_numeric=6.2)) == "H"
    assert result_flag(dto(value_numeric=3.1)) == "L"
    assert result_flag(dto(value_numeric=5.0)) == "N"
    assert result_flag(dto(value_numeric=5.0, reference_low=None, reference_high=None)) == ""
    assert result_flag(dto(value_text="Positive", abnormal_flag="a")) == "A"
    assert result_flag(dto(value_numeric=9.9, abnormal_flag="HH")) == "HH"
    rows = [dto(value_numeric=6.2), dto(value_numeric=5.0),
            dto(display="Sodium", loinc="2951-2", value_numeric=150, reference_low=136, reference_high=145)]
    assert filter_results(rows, only_abnormal=True) == [rows[0], rows[2]]
    assert filter_results(rows, "sod") == [rows[2]] and filter_results(rows, "4548") == rows[:2]


def test_lab_model_on_its_own(qtmodeltester: Any, services: Services, provider: Actor, patient: PatientDTO,
                              results: dict[str, Any]) -> None:
    model = LabResultTableModel()
    qtmodeltester.check(model)
    model.set_rows(services.lab_results.list_for_patient(provider, patient.id))
    qtmodeltester.check(model)
    assert model.columnCount() == len(Column) and model.index(0, 0).data(DTO_ROLE).id == results["k"].id


def test_filter_and_only_abnormal(qtbot: Any, services: Services, provider: Actor, patient: PatientDTO,
                                  results: dict[str, Any]) -> None:
    _ctx, tab = _tab(qtbot, services, provider, patient)
    qtbot.keyClicks(tab.filter, "a1c")
    assert tab.model.rowCount() == 3 and tab.count_label.text().startswith("3 of 5 results")
    tab.only_abnormal.setChecked(True)
    assert [tab.model.row_at(r).id for r in range(tab.model.rowCount())] == [results["a1c"][2].id,
                                                                            results["a1c"][1].id]
    tab.filter.clear()
    assert tab.model.rowCount() == 4
    tab.only_abnormal.setChecked(False)
    assert tab.model.rowCount() == 5


def test_selecting_a_result_shows_details_and_the_trend_of_that_test(
        qtbot: Any, services: Services, provider: Actor, patient: PatientDTO,
        results: dict[str, Any]) -> None:
    _ctx, tab = _tab(qtbot, services, provider, patient)
    # the newest result is selected on opening
    assert tab.selected_result().id == results["k"].id
    assert tab.trend.series_names() == [POTASSIUM[1]] and tab.trend.band == (3.5, 5.1)
    with qtbot.waitSignal(tab.sig_result_selected) as selected:
        assert tab.select_result(results["a1c"][2].id)
    assert selected.args[0].id == results["a1c"][2].id
    details = {name: label.text() for name, label in tab.detail_labels.items()}
    assert details["Test"] == f"{A1C[1]} (LOINC {A1C[0]})"
    assert details["Result"] == "7.1 %  H ↑ – High" and details["Reference"] == "4–5.6"
    assert details["Comment"] == "Fasting specimen" and details["Lab"] == "Quest Diagnostics"
    assert details["Ordered by"].startswith("Dana Smith, ")
    # the trend holds the three A1c values, oldest first, and nothing of the potassium
    points = tab.trend.points(A1C[1])
    assert [v for _w, v in points] == [5.4, 7.9, 7.1]
    assert [w for w, _v in points] == [NOW - timedelta(days=d) for d in (365, 180, 5)]
    assert tab.trend.band == (4.0, 5.6)
    # a qualitative test has nothing to chart
    tab.select_result(results["strep"].id)
    assert not tab.trend.has_data() and tab.detail_labels["Result"].text() == "Positive  A – Abnormal"


def test_provider_marks_a_result_reviewed(qtbot: Any, services: Services, provider: Actor,
                                          patient: PatientDTO, results: dict[str, Any]) -> None:
    ctx, tab = _tab(qtbot, services, provider, patient)
    tab.select_result(results["k"].id)
    assert tab.review_button.isEnabled()
    with qtbot.waitSignal(ctx.sig_chart_changed, timeout=10000):
        qtbot.mouseClick(tab.review_button, Qt.MouseButton.LeftButton)
    stored = services.lab_results.get(provider, results["k"].id)
    assert stored.reviewed_by_id == provider.user_id and stored.reviewed_at is not None
    tab.set_chart(services.chart.load(provider, patient.id))
    assert tab.selected_result().id == results["k"].id  # the selection survives the reload
    assert tab.model.index(0, Column.REVIEWED).data().startswith("✓ ")
    assert not tab.review_button.isEnabled()
    assert "3 abnormal not reviewed" in tab.count_label.text()
    ctx.tasks.wait_for_idle()


def test_a_nurse_sees_results_but_does_not_review(qtbot: Any, services: Services, admin: Actor,
                                                  patient: PatientDTO, results: dict[str, Any]) -> None:
    services.users.create_user(admin, username="nurse1", display_name="Nina Nurse", password=TEST_PASSWORD,
                               roles=("nurse",))
    nurse = services.users.authenticate("nurse1", TEST_PASSWORD)
    _ctx, tab = _tab(qtbot, services, nurse, patient)
    assert tab.model.rowCount() == 5 and tab.selected_result() is not None
    assert not tab.review_button.isEnabled()
    assert tab.detail_labels["Ordered by"].text() == "—"  # the potassium came without an order
    tab.select_result(results["a1c"][2].id)
    assert tab.detail_labels["Ordered by"].text().startswith("Dana Smith, MD, ")  # staff directory
    tab.clear_phi()
    assert tab.model.rowCount() == 0 and not tab.trend.has_data()
    assert all(label.text() == "" for label in tab.detail_labels.values())
