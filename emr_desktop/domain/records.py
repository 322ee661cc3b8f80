"""Frozen DTOs that services hand out. Field names match the ORM columns they come from
(checked by a test), so conversion is mechanical; internal columns (password hashes, search keys)
are simply not declared here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, TypeVar

T = TypeVar("T", bound="RecordDTO")


@dataclass(frozen=True, kw_only=True, slots=True)
class RecordDTO:
    id: uuid.UUID
    row_version: int = 0
    updated_hlc: str = ""
    record_status: str = "active"
    record_status_reason: str = ""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_row(cls: type[T], row: Any) -> T:
        return cls(**{name: getattr(row, name) for name in _names(cls)})


_NAME_CACHE: dict[type, tuple[str, ...]] = {}


def _names(cls: type[RecordDTO]) -> tuple[str, ...]:
    names = _NAME_CACHE.get(cls)
    if names is None:
        names = _NAME_CACHE[cls] = cls.field_names()
    return names


@dataclass(frozen=True, kw_only=True, slots=True)
class PracticeDTO(RecordDTO):
    name: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""
    fax: str = ""
    npi: str = ""
    tax_id: str = ""
    time_zone: str = "UTC"
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    idle_lock_minutes: int = 10
    print_paper: str = "letter"
    print_margin_top_mm: float = 15.0
    print_margin_bottom_mm: float = 15.0
    print_margin_left_mm: float = 15.0
    print_margin_right_mm: float = 15.0
    print_prescriptions_per_page: int = 1


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkstationDTO(RecordDTO):
    practice_id: uuid.UUID
    name: str
    site_code: str
    enrolled_at: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class UserDTO(RecordDTO):
    username: str
    display_name: str
    credentials: str = ""
    npi: str = ""
    dea_number: str = ""
    must_change_password: bool = False
    roles: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Any, roles: tuple[str, ...] = ()) -> UserDTO:  # type: ignore[override]
        values = {n: getattr(row, n) for n in _names(cls) if n != "roles"}
        return cls(**values, roles=tuple(sorted(roles)))


@dataclass(frozen=True, kw_only=True, slots=True)
class PatientDTO(RecordDTO):
    mrn: str
    family_name: str
    given_name: str
    middle_name: str = ""
    name_suffix: str = ""
    preferred_name: str = ""
    previous_names: str = ""
    birth_date: date
    sex: str
    sex_at_birth: str = ""
    gender_identity: str = ""
    pronouns: str = ""
    phone_mobile: str = ""
    phone_home: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"
    language: str = "en"
    interpreter_needed: bool = False
    emergency_contact_name: str = ""
    emergency_contact_relationship: str = ""
    emergency_contact_phone: str = ""
    primary_provider_id: uuid.UUID | None = None
    deceased_date: date | None = None
    alert_note: str = ""
    merged_into_id: uuid.UUID | None = None

    @property
    def display_name(self) -> str:
        given = self.given_name + (f" ({self.preferred_name})" if self.preferred_name else "")
        return f"{self.family_name}, {given}"

    def age_on(self, day: date) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


@dataclass(frozen=True, kw_only=True, slots=True)
class CoverageDTO(RecordDTO):
    patient_id: uuid.UUID
    priority: str = "primary"
    payer_name: str
    payer_id: str = ""
    plan_name: str = ""
    member_id: str
    group_number: str = ""
    subscriber_name: str = ""
    subscriber_relationship: str = "self"
    subscriber_birth_date: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    copay_cents: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class EncounterDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_type: str
    start_time: datetime
    end_time: datetime | None = None
    provider_id: uuid.UUID | None = None
    reason: str = ""
    status: str
    location: str = ""
    appointment_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class NoteDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    author_id: uuid.UUID
    note_type: str = "progress"
    title: str = ""
    subjective: str = ""
    objective: str = ""
    assessment: str = ""
    plan: str = ""
    status: str
    signed_at: datetime | None = None
    signed_by_id: uuid.UUID | None = None
    signature_hash: str | None = None
    addendum_to_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class VitalSignDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    panel_id: uuid.UUID
    loinc: str
    value: float
    unit: str
    taken_at: datetime
    taken_by_id: uuid.UUID | None = None
    method: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class MedicationDTO(RecordDTO):
    patient_id: uuid.UUID
    code_system: str = ""
    code: str = ""
    display: str
    strength: str = ""
    form: str = ""
    dose: str = ""
    dose_unit: str = ""
    route: str = ""
    frequency: str = ""
    sig: str = ""
    indication: str = ""
    start_date: date | None = None
    stop_date: date | None = None
    status: str
    status_reason: str = ""
    dea_schedule: str = ""
    prescriber_id: uuid.UUID | None = None
    reported_by_patient: bool = False


@dataclass(frozen=True, kw_only=True, slots=True)
class PrescriptionDTO(RecordDTO):
    patient_id: uuid.UUID
    medication_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    prescriber_id: uuid.UUID
    drug_display: str
    strength: str = ""
    form: str = ""
    sig: str
    quantity: float
    quantity_unit: str = ""
    days_supply: int | None = None
    refills: int = 0
    substitution_allowed: bool = True
    dea_schedule: str = ""
    written_date: date
    status: str
    signed_at: datetime | None = None
    signature_hash: str | None = None
    pharmacy: str = ""
    note_to_pharmacist: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class AllergyDTO(RecordDTO):
    patient_id: uuid.UUID
    no_known_allergies: bool = False
    code_system: str = ""
    code: str = ""
    substance: str
    category: str = ""
    reaction: str = ""
    severity: str = ""
    status: str
    status_reason: str = ""
    onset_date: date | None = None
    recorded_by_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ImmunizationDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    cvx_code: str
    vaccine: str
    kind: str
    occurrence_date: date
    dose_number: int | None = None
    lot_number: str = ""
    expiration_date: date | None = None
    manufacturer: str = ""
    site: str = ""
    route: str = ""
    dose_ml: str = ""
    administered_by_id: uuid.UUID | None = None
    source: str = ""
    refusal_reason: str = ""
    vis_date: date | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class LabOrderDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    ordered_by_id: uuid.UUID | None = None
    loinc: str
    display: str
    ordered_at: datetime
    status: str
    placer_number: str = ""
    filler_number: str = ""
    performing_lab: str = ""
    clinical_info: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class LabResultDTO(RecordDTO):
    patient_id: uuid.UUID
    order_id: uuid.UUID | None = None
    loinc: str
    display: str
    value_text: str = ""
    value_numeric: float | None = None
    unit: str = ""
    reference_low: float | None = None
    reference_high: float | None = None
    reference_text: str = ""
    abnormal_flag: str = ""
    status: str
    collected_at: datetime
    resulted_at: datetime | None = None
    performing_lab: str = ""
    comment: str = ""
    reviewed_by_id: uuid.UUID | None = None
    reviewed_at: datetime | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class ImagingReportDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    modality: str
    study_code: str = ""
    study: str
    body_site: str = ""
    performed_at: datetime
    ordered_by_id: uuid.UUID | None = None
    radiologist: str = ""
    facility: str = ""
    status: str
    impression: str = ""
    report_text: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class ProblemDTO(RecordDTO):
    patient_id: uuid.UUID
    icd10_code: str
    display: str
    snomed_code: str = ""
    onset_date: date | None = None
    resolved_date: date | None = None
    status: str
    status_reason: str = ""
    noted_by_id: uuid.UUID | None = None
    comment: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class FamilyHistoryDTO(RecordDTO):
    patient_id: uuid.UUID
    relationship: str
    icd10_code: str = ""
    condition: str
    onset_age: int | None = None
    deceased: bool = False
    comment: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class SocialHistoryDTO(RecordDTO):
    patient_id: uuid.UUID
    recorded_at: datetime
    recorded_by_id: uuid.UUID | None = None
    smoking_status: str
    smoking_snomed: str = ""
    pack_years: float | None = None
    quit_year: int | None = None
    alcohol_use: str = ""
    drug_use: str = ""
    occupation: str = ""
    living_situation: str = ""
    exercise: str = ""
    comment: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class DocumentDTO(RecordDTO):
    patient_id: uuid.UUID
    encounter_id: uuid.UUID | None = None
    title: str
    category: str = "other"
    filename: str = ""
    mime_type: str = "application/octet-stream"
    size_bytes: int
    sha256: str
    document_date: datetime
    added_by_id: uuid.UUID | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class AppointmentDTO(RecordDTO):
    patient_id: uuid.UUID
    provider_id: uuid.UUID | None = None
    start_time: datetime
    end_time: datetime
    appointment_type: str
    reason: str = ""
    status: str
    room: str = ""
    comment: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class DayRow:
    """One line of a day sheet: the appointment, its patient, and its times in the practice's
    local time zone (``Practice.time_zone``)."""

    appointment: AppointmentDTO
    patient: PatientDTO
    local_start: datetime
    local_end: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class ChartDTO:
    """Every section of one patient's chart, loaded in one read."""

    patient: PatientDTO
    coverages: tuple[CoverageDTO, ...]
    encounters: tuple[EncounterDTO, ...]
    notes: tuple[NoteDTO, ...]
    vitals: tuple[VitalSignDTO, ...]
    medications: tuple[MedicationDTO, ...]
    prescriptions: tuple[PrescriptionDTO, ...]
    allergies: tuple[AllergyDTO, ...]
    immunizations: tuple[ImmunizationDTO, ...]
    lab_orders: tuple[LabOrderDTO, ...]
    lab_results: tuple[LabResultDTO, ...]
    imaging: tuple[ImagingReportDTO, ...]
    problems: tuple[ProblemDTO, ...]
    family_history: tuple[FamilyHistoryDTO, ...]
    social_history: tuple[SocialHistoryDTO, ...]
    documents: tuple[DocumentDTO, ...]
    appointments: tuple[AppointmentDTO, ...]
    #: Sections the user's role may not read (left empty above; the UI says so instead).
    withheld: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True, slots=True)
class AuditEventDTO(RecordDTO):
    """One audit log entry (ASTM E2147 fields). ``detail`` never holds PHI: ids, counts, sections."""

    workstation_site: str
    seq: int
    occurred_at: datetime
    hub_received_at: datetime | None = None
    user_id: uuid.UUID | None = None
    username: str = ""
    patient_id: uuid.UUID | None = None
    category: str
    action: str
    outcome: str = "success"
    object_id: str = ""
    detail: str = ""
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True, kw_only=True, slots=True)
class ConflictDTO(RecordDTO):
    """A sync conflict: both values kept (canonical JSON text); shown for review and resolution."""

    entity: str
    record_id: uuid.UUID
    patient_id: uuid.UUID | None = None
    kind: str
    fields: str = ""
    kept_values: str = "{}"
    other_values: str = "{}"
    op_site: str = ""
    op_user_id: uuid.UUID | None = None
    other_site: str = ""
    related_id: uuid.UUID | None = None
    detected_at: datetime
    status: str = "open"
    resolution: str = ""
    resolved_by_id: uuid.UUID | None = None
    resolved_at: datetime | None = None
