"""The whole chart of one patient in one read."""

from __future__ import annotations

import uuid

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import NotFound
from emr_desktop.domain.records import ChartDTO, PatientDTO
from emr_desktop.models import Patient
from emr_desktop.services.charting import (
    AllergyService,
    DocumentService,
    EncounterService,
    FamilyHistoryService,
    ImmunizationService,
    NoteService,
    ProblemService,
    SocialHistoryService,
    VitalsService,
)
from emr_desktop.services.orders import (
    ImagingService,
    LabOrderService,
    LabResultService,
    MedicationService,
    PrescriptionService,
)
from emr_desktop.services.patients import CoverageService
from emr_desktop.services.scheduling import AppointmentService

#: ChartDTO field -> the service whose rows fill it.
SECTIONS = {
    "coverages": CoverageService,
    "encounters": EncounterService,
    "notes": NoteService,
    "vitals": VitalsService,
    "medications": MedicationService,
    "prescriptions": PrescriptionService,
    "allergies": AllergyService,
    "immunizations": ImmunizationService,
    "lab_orders": LabOrderService,
    "lab_results": LabResultService,
    "imaging": ImagingService,
    "problems": ProblemService,
    "family_history": FamilyHistoryService,
    "social_history": SocialHistoryService,
    "documents": DocumentService,
    "appointments": AppointmentService,
}


class ChartService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._sections = {name: cls(db) for name, cls in SECTIONS.items()}

    def load(self, actor: Actor, patient_id: uuid.UUID, *, include_inactive: bool = False) -> ChartDTO:
        with self.db.read() as session:
            patient = session.get(Patient, patient_id)
            if patient is None:
                raise NotFound("patient", patient_id)
            sections = {
                name: tuple(svc.dto.from_row(r)
                            for r in svc._rows_for_patient(session, patient_id, include_inactive))
                for name, svc in self._sections.items()
            }
            return ChartDTO(patient=PatientDTO.from_row(patient), **sections)
