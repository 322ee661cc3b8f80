"""All services over one store, built once by the composition root (app.py or cli.py)."""

from __future__ import annotations

from dataclasses import dataclass

from emr_desktop.db.session import Database
from emr_desktop.services.access import Access
from emr_desktop.services.audit_review import AuditService
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
from emr_desktop.services.conflicts import ConflictService
from emr_desktop.services.export import ExportService
from emr_desktop.services.orders import (
    ImagingService,
    LabOrderService,
    LabResultService,
    MedicationService,
    PrescriptionService,
)
from emr_desktop.services.patients import CoverageService, PatientService
from emr_desktop.services.practice import PracticeService
from emr_desktop.services.printing import PrintService
from emr_desktop.services.scheduling import AppointmentService
from emr_desktop.services.sync_status import SyncStatusService
from emr_desktop.services.users import UserService


@dataclass(frozen=True)
class Services:
    db: Database
    access: Access
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
    practice: PracticeService
    export: ExportService
    audit: AuditService
    sync_status: SyncStatusService
    conflicts: ConflictService
    printing: PrintService

    @classmethod
    def build(cls, db: Database) -> Services:
        """All services share one Access (permission checks and the audit trail)."""
        access = Access(db)
        built = cls._build(db, access)
        from emr_desktop.services.base import RecordService

        hooks = {svc.model.__tablename__: svc.before_update for svc in vars(built).values()
                 if isinstance(svc, RecordService)}
        built.conflicts.update_hooks.update(hooks)
        return built

    @classmethod
    def _build(cls, db: Database, access: Access) -> Services:
        return cls(
            db=db, access=access, users=UserService(db, access=access),
            patients=PatientService(db, access), coverages=CoverageService(db, access),
            encounters=EncounterService(db, access), notes=NoteService(db, access),
            vitals=VitalsService(db, access), medications=MedicationService(db, access),
            prescriptions=PrescriptionService(db, access), allergies=AllergyService(db, access),
            immunizations=ImmunizationService(db, access), lab_orders=LabOrderService(db, access),
            lab_results=LabResultService(db, access), imaging=ImagingService(db, access),
            problems=ProblemService(db, access), family_history=FamilyHistoryService(db, access),
            social_history=SocialHistoryService(db, access), documents=DocumentService(db, access),
            appointments=AppointmentService(db, access), chart=ChartService(db, access),
            practice=PracticeService(db, access), export=ExportService(db, access),
            audit=AuditService(db, access), sync_status=SyncStatusService(db),
            conflicts=ConflictService(access), printing=PrintService(db, access),
        )
