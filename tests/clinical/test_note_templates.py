"""SOAP templates are complete and mark what to fill in; the vitals line quotes the latest panel."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from emr_desktop.clinical.note_templates import (
    PLACEHOLDER,
    SECTIONS,
    TEMPLATES,
    TEMPLATES_BY_KEY,
    fill_vitals_slot,
    has_placeholders,
    latest_panel,
    template_for,
    vitals_text,
)
from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.enums import EncounterType, RecordStatus
from emr_desktop.domain.records import VitalSignDTO


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_every_template_has_four_sections_and_a_placeholder(template: Any) -> None:
    sections = template.sections()
    assert tuple(sections) == SECTIONS == ("subjective", "objective", "assessment", "plan")
    assert all(text.strip() for text in sections.values()), "every SOAP section has a prompt"
    assert any(has_placeholders(text) for text in sections.values())
    assert template.name and template.title and len(template.title) <= 200


def test_templates_cover_the_common_visits() -> None:
    assert len(TEMPLATES_BY_KEY) == len(TEMPLATES)
    names = " ".join(t.name.lower() for t in TEMPLATES)
    for words in ("annual physical", "uri", "sore throat", "hypertension", "diabetes", "well-child",
                  "medication review"):
        assert words in names
    assert template_for(EncounterType.ANNUAL_PHYSICAL.value).key == "annual-physical"
    assert template_for(EncounterType.WELL_CHILD.value).key == "well-child"
    assert template_for(EncounterType.FOLLOW_UP.value).key == "chronic-follow-up"
    assert template_for(EncounterType.PROCEDURE.value) is None
    for value in {t for template in TEMPLATES for t in template.encounter_types}:
        assert value in EncounterType._value2member_map_


def _panel(when: datetime, status: str = RecordStatus.ACTIVE.value, **values: float) -> list[VitalSignDTO]:
    panel = uuid.uuid4()
    return [VitalSignDTO(id=uuid.uuid4(), patient_id=uuid.UUID(int=1), panel_id=panel, loinc=VITALS[k].loinc,
                         value=v, unit=VITALS[k].unit, taken_at=when, record_status=status)
            for k, v in values.items()]


def test_vitals_text_quotes_the_latest_panel_in_note_order() -> None:
    now = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    old = _panel(now - timedelta(days=30), systolic=150, diastolic=95, pulse=90)
    new = _panel(now, weight=80.0, bmi=26.1, spo2=98, temperature=36.8, respiration=16, pulse=72,
                 diastolic=82, systolic=128, pain=2)
    wrong = _panel(now + timedelta(minutes=5), status=RecordStatus.ENTERED_IN_ERROR.value, pulse=200)
    assert {v.panel_id for v in latest_panel(old + new + wrong)} == {new[0].panel_id}
    assert vitals_text(old + new + wrong) == (
        "BP 128/82 mmHg, HR 72/min, RR 16/min, Temp 36.8 °C (98.2 °F), SpO2 98%, "
        "Wt 80.0 kg (176.4 lb), BMI 26.1 kg/m2")
    assert vitals_text(old) == "BP 150/95 mmHg, HR 90/min"
    assert vitals_text([]) == "" and latest_panel([]) == []


def test_the_vitals_slot_is_filled_once() -> None:
    objective = TEMPLATES_BY_KEY["acute-uri"].objective
    filled = fill_vitals_slot(objective, "HR 72/min")
    assert filled is not None and filled.startswith("Vitals: HR 72/min\n")
    assert filled.count(PLACEHOLDER) == objective.count(PLACEHOLDER) - 1
    assert fill_vitals_slot("Well appearing.", "HR 72/min") is None


def test_vitals_from_another_day_are_quoted_with_their_date() -> None:
    import uuid
    from datetime import UTC, date, datetime

    from emr_desktop.domain.records import VitalSignDTO

    panel, patient = uuid.uuid4(), uuid.uuid4()
    taken = datetime(2026, 10, 26, 15, 0, tzinfo=UTC)
    rows = [VitalSignDTO(id=uuid.uuid4(), patient_id=patient, panel_id=panel, loinc="8310-5", value=36.7,
                         unit="Cel", taken_at=taken)]
    assert vitals_text(rows) == "Temp 36.7 °C (98.1 °F)"
    same_day = taken.astimezone().date()
    assert vitals_text(rows, today=same_day) == "Temp 36.7 °C (98.1 °F)"
    later = date(2026, 11, 27)
    assert vitals_text(rows, today=later) == f"Temp 36.7 °C (98.1 °F) (taken {same_day:%m/%d/%Y})"
