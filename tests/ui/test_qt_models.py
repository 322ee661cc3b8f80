"""Table models over DTO lists pass Qt's model tester and show what the desk needs."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from PySide6.QtCore import Qt

from emr_desktop.domain.records import PatientDTO
from emr_desktop.ui.qt_models.patients import Column, PatientTableModel


def _patient(**values: Any) -> PatientDTO:
    base = dict(id=uuid.uuid4(), mrn="10000012", family_name="Testperson", given_name="Ana",
                birth_date=date(1980, 6, 15), sex="female", phone_mobile="555-0100")
    base.update(values)
    return PatientDTO(**base)


def test_patient_model_passes_the_model_tester(qtmodeltester: Any) -> None:
    model = PatientTableModel(today=lambda: date(2026, 11, 27))
    qtmodeltester.check(model)
    model.set_rows([_patient(), _patient(family_name="Ordóñez", given_name="Inés", preferred_name="Nés",
                                         previous_names="Inés García", phone_mobile="", phone_home="555-0199")])
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.columnCount() == len(Column)
    assert model.index(0, Column.BIRTH_DATE).data() == "06/15/1980 (46 y)"
    assert model.index(1, Column.NAME).data() == "Ordóñez, Inés (Nés)"
    assert model.index(1, Column.NAME).data(Qt.ItemDataRole.ToolTipRole) == "Previously: Inés García"
    assert model.index(1, Column.PHONE).data() == "555-0199"
    assert model.headerData(Column.MRN, Qt.Orientation.Horizontal) == "MRN"
    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)
