"""All services over one store, built once by the composition root (app.py or cli.py)."""

from __future__ import annotations

from dataclasses import dataclass

from emr_desktop.db.session import Database
from emr_desktop.services.chart import ChartService
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
from emr_desktop.services.patients import CoverageService, PatientService
from emr_desktop.services.scheduling import AppointmentService
from emr_desktop.services.users import UserService


@dataclass(frozen=True)
class Services:
    db: Database
    users: UserService
    patients: PatientService
    coverages: CoverageService
    encounters: EncounterService
    notes: NoteService
    vitals: VitalsService
    medications: MedicationService
    prescriptions: PrescriptionService
    allergies: AllergyService
    immunizations: ImmunizationService
    lab_orders: LabOrderService
    lab_results: LabResultService
    imaging: ImagingService
    problems: ProblemService
    family_history: FamilyHistoryService
    social_history: SocialHistoryService
    documents: DocumentService
    appointments: AppointmentService
    chart: ChartService

    @classmethod
    def build(cls, db: Database) -> Services:
        return cls(
            db=db, users=UserService(db), patients=PatientService(db), coverages=CoverageService(db),
            encounters=EncounterService(db), notes=NoteService(db), vitals=VitalsService(db),
            medications=MedicationService(db), prescriptions=PrescriptionService(db),
            allergies=AllergyService(db), immunizations=ImmunizationService(db),
            lab_orders=LabOrderService(db), lab_results=LabResultService(db),
            imaging=ImagingService(db), problems=ProblemService(db),
            family_history=FamilyHistoryService(db), social_history=SocialHistoryService(db),
            documents=DocumentService(db), appointments=AppointmentService(db),
            chart=ChartService(db),
        )
