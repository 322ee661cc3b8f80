"""SQLAlchemy ORM models, one module per clinical area. Importing this package registers them all."""

from emr_desktop.models.allergies import Allergy
from emr_desktop.models.audit import AuditEvent
from emr_desktop.models.base import Base, LocalMixin, SyncedMixin, new_id
from emr_desktop.models.conflicts import SyncConflict
from emr_desktop.models.documents import Document, DocumentContent
from emr_desktop.models.encounters import ClinicalNote, Encounter
from emr_desktop.models.history import FamilyHistory, SocialHistory
from emr_desktop.models.imaging import ImagingReport
from emr_desktop.models.immunizations import Immunization
from emr_desktop.models.labs import LabOrder, LabResult
from emr_desktop.models.medications import Medication, Prescription
from emr_desktop.models.patients import InsuranceCoverage, Patient
from emr_desktop.models.practice import Practice, Workstation
from emr_desktop.models.problems import Problem
from emr_desktop.models.scheduling import Appointment
from emr_desktop.models.sync import MrnBlock, OutboxOp, SyncRejection, SyncState
from emr_desktop.models.users import LoginState, RoleAssignment, UserAccount
from emr_desktop.models.vitals import VitalSign

#: Models whose rows sync with the hub and appear in the canonical export, in foreign-key order.
SYNCED_MODELS: tuple[type[SyncedMixin], ...] = tuple(
    sorted((m.class_ for m in Base.registry.mappers if issubclass(m.class_, SyncedMixin)),
           key=lambda cls: Base.metadata.sorted_tables.index(cls.__table__))
)

__all__ = [
    "Allergy", "Appointment", "AuditEvent", "Base", "ClinicalNote", "Document", "DocumentContent",
    "Encounter", "FamilyHistory", "Immunization", "ImagingReport", "InsuranceCoverage", "LabOrder",
    "LabResult", "LocalMixin", "LoginState", "Medication", "MrnBlock", "OutboxOp", "Patient", "Practice",
    "Prescription", "Problem", "RoleAssignment", "SYNCED_MODELS", "SocialHistory", "SyncState",
    "SyncConflict", "SyncRejection", "SyncedMixin", "UserAccount", "VitalSign", "Workstation", "new_id",
]
