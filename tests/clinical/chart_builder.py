"""A tiny builder of hand-made ChartDTOs for the clinical rule tests: a patient of a given birth date
and sex, and only the records a test adds (synthetic data, no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.records import (
    ChartDTO,
    ImagingReportDTO,
    ImmunizationDTO,
    LabResultDTO,
    PatientDTO,
    ProblemDTO,
    VitalSignDTO,
)

PATIENT_ID = uuid.UUID("00000000-0000-7000-8000-000000000001")


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


class ChartBuilder:
    def __init__(self, birth: date, sex: str = "female", **patient: Any) -> None:
        self.patient = PatientDTO(id=PATIENT_ID, mrn="T000001", family_name="Testpatient",
                                  given_name="Alex", birth_date=birth, sex=sex, **patient)
        self.immunizations: list[ImmunizationDTO] = []
        self.vitals: list[VitalSignDTO] = []
        self.labs: list[LabResultDTO] = []
        self.imaging_reports: list[ImagingReportDTO] = []
        self.problems: list[ProblemDTO] = []

    def vaccine(self, cvx: str, day: date, *, kind: str = "given", status: str = "active",
                name: str = "test vaccine") -> ChartBuilder:
        self.immunizations.append(ImmunizationDTO(
            id=uuid.uuid4(), patient_id=PATIENT_ID, cvx_code=cvx, vaccine=name, kind=kind,
            occurrence_date=day, record_status=status,
            refusal_reason="Patient declined" if kind == "refused" else ""))
        return self

    def vital(self, key: str, value: float, day: date, *, status: str = "active",
              panel: uuid.UUID | None = None, hour: int = 10) -> ChartBuilder:
        kind = VITALS[key]
        self.vitals.append(VitalSignDTO(
            id=uuid.uuid4(), patient_id=PATIENT_ID, panel_id=panel or uuid.uuid4(), loinc=kind.loinc,
            value=value, unit=kind.unit, taken_at=at(day, hour), record_status=status))
        return self

    def bp(self, systolic: float | None, diastolic: float | None, day: date, *, status: str = "active",
           hour: int = 10) -> ChartBuilder:
        panel = uuid.uuid4()
        if systolic is not None:
            self.vital("systolic", systolic, day, status=status, panel=panel, hour=hour)
        if diastolic is not None:
            self.vital("diastolic", diastolic, day, status=status, panel=panel, hour=hour)
        return self

    def lab(self, loinc: str, day: date, *, value: float | None = None, unit: str = "",
            status: str = "final", record_status: str = "active") -> ChartBuilder:
        self.labs.append(LabResultDTO(
            id=uuid.uuid4(), patient_id=PATIENT_ID, loinc=loinc, display=f"test {loinc}",
            value_numeric=value, value_text="" if value is None else f"{value:g}", unit=unit,
            status=status, collected_at=at(day), record_status=record_status))
        return self

    def imaging(self, day: date, *, modality: str = "MG", study: str = "Screening mammography",
                study_code: str = "", status: str = "final",
                record_status: str = "active") -> ChartBuilder:
        self.imaging_reports.append(ImagingReportDTO(
            id=uuid.uuid4(), patient_id=PATIENT_ID, modality=modality, study=study,
            study_code=study_code, performed_at=at(day), status=status, record_status=record_status))
        return self

    def problem(self, icd10: str, *, onset: date | None = None, status: str = "active",
                record_status: str = "active") -> ChartBuilder:
        self.problems.append(ProblemDTO(
            id=uuid.uuid4(), patient_id=PATIENT_ID, icd10_code=icd10, display=f"test {icd10}",
            onset_date=onset, status=status, record_status=record_status))
        return self

    def build(self, *, withheld: frozenset[str] = frozenset()) -> ChartDTO:
        return ChartDTO(
            patient=self.patient, coverages=(), encounters=(), notes=(), vitals=tuple(self.vitals),
            medications=(), prescriptions=(), allergies=(), immunizations=tuple(self.immunizations),
            lab_orders=(), lab_results=tuple(self.labs), imaging=tuple(self.imaging_reports),
            problems=tuple(self.problems), family_history=(), social_history=(), documents=(),
            appointments=(), withheld=withheld)
