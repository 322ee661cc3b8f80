"""The whole chart of one patient in one read."""

from __future__ import annotations

import uuid

from emr_desktop.db.session import Database
from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import NotFound
from emr_desktop.domain.records import ChartDTO, PatientDTO
from emr_desktop.models import Patient
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.services.access import Access
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
    """Opens a chart: every section the user's role may read, each view audited per section.
    Sections the role may not read are withheld (named in ``ChartDTO.withheld``), not an error."""

    def __init__(self, db: Database, access: Access | None = None) -> None:
        self.db = db
        self.access = access or Access(db)
        self._sections = {name: cls(db, self.access) for name, cls in SECTIONS.items()}

    def load(self, actor: Actor, patient_id: uuid.UUID, *, include_inactive: bool = False) -> ChartDTO:
        with self.access.action(actor) as ctx:
            patient = ctx.session.get(Patient, patient_id)
            if patient is None:
                raise NotFound("patient", patient_id)
            ctx.authorize(Category.DEMOGRAPHICS, Verb.READ, patient_id, patient_id)
            ctx.audit(Category.DEMOGRAPHICS, "read", patient_id, patient_id, "chart opened")
            sections: dict[str, tuple[object, ...]] = {}
            withheld: set[str] = set()
            for name, svc in self._sections.items():
                if not allows(actor, svc.category, Verb.READ, patient_id):
                    sections[name] = ()
                    withheld.add(name)
                    continue
                rows = svc._rows_for_patient(ctx.session, patient_id, include_inactive)
                sections[name] = tuple(svc.dto.from_row(r) for r in rows)
                ctx.audit(svc.category, "read", patient_id, "", name)
            return ChartDTO(patient=PatientDTO.from_row(patient), withheld=frozenset(withheld),
                            **sections)
