"""Value sets. Stored as their string values (never as database enums) so a newer version can add
values without a table rebuild, and an older one can still read and sync them."""

from __future__ import annotations

from enum import StrEnum


class RecordStatus(StrEnum):
    """Lifecycle of a synced row itself; rows are never deleted (DESIGN §3)."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    ENTERED_IN_ERROR = "entered-in-error"


class Role(StrEnum):
    ADMIN = "admin"
    PROVIDER = "provider"
    NURSE = "nurse"
    FRONT_DESK = "front_desk"
    BILLING = "billing"


class AdministrativeSex(StrEnum):
    """Sex recorded for administrative/clinical purposes (HL7 AdministrativeGender)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class EncounterType(StrEnum):
    OFFICE_VISIT = "office-visit"
    ANNUAL_PHYSICAL = "annual-physical"
    WELL_CHILD = "well-child"
    FOLLOW_UP = "follow-up"
    ACUTE = "acute"
    TELEHEALTH = "telehealth"
    PHONE = "phone"
    NURSE_VISIT = "nurse-visit"
    PROCEDURE = "procedure"


class EncounterStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class NoteStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"


class MedicationStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    STOPPED = "stopped"
    COMPLETED = "completed"


class PrescriptionStatus(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    PRINTED = "printed"
    SENT = "sent"
    CANCELLED = "cancelled"


class AllergyCategory(StrEnum):
    MEDICATION = "medication"
    FOOD = "food"
    ENVIRONMENT = "environment"
    BIOLOGIC = "biologic"


class AllergySeverity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class AllergyStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"


class ImmunizationKind(StrEnum):
    GIVEN = "given"            # administered here
    HISTORICAL = "historical"  # reported from elsewhere
    REFUSED = "refused"        # declined; reason recorded


class LabOrderStatus(StrEnum):
    ORDERED = "ordered"
    COLLECTED = "collected"
    RESULTED = "resulted"
    CANCELLED = "cancelled"


class ResultStatus(StrEnum):
    PRELIMINARY = "preliminary"
    FINAL = "final"
    CORRECTED = "corrected"
    CANCELLED = "cancelled"


class AbnormalFlag(StrEnum):
    """HL7 v2 table 0078 subset."""

    NORMAL = "N"
    LOW = "L"
    HIGH = "H"
    CRITICAL_LOW = "LL"
    CRITICAL_HIGH = "HH"
    ABNORMAL = "A"


class ImagingModality(StrEnum):
    """DICOM modality codes."""

    XRAY = "DX"
    CT = "CT"
    MRI = "MR"
    ULTRASOUND = "US"
    MAMMOGRAPHY = "MG"
    DEXA = "BMD"
    ECHO = "ECHO"


class ProblemStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    RESOLVED = "resolved"


class SmokingStatus(StrEnum):
    """ONC/USCDI smoking status value set (SNOMED CT codes in codes.SMOKING_STATUS_SNOMED)."""

    CURRENT_EVERY_DAY = "current-every-day"
    CURRENT_SOME_DAY = "current-some-day"
    FORMER = "former"
    NEVER = "never"
    CURRENT_UNKNOWN_FREQUENCY = "current-unknown-frequency"
    UNKNOWN = "unknown"
    HEAVY = "heavy"
    LIGHT = "light"


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NO_SHOW = "noshow"


class CoveragePriority(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"


class ConflictKind(StrEnum):
    """Why the hub recorded a conflict (DESIGN §4)."""

    FIELD = "field"                    # same field changed on two workstations; later HLC won
    DRAFT = "draft"                    # an unsigned draft edited on two workstations
    SIGNED_EDIT = "signed-edit"        # an edit met a signed/final record; kept as addendum draft
    REMOVAL_EDIT = "removal-edit"      # removal raced an edit; item kept active and flagged
    SLOT_TAKEN = "slot-taken"          # appointment slot already taken at the hub
    DUPLICATE_KEY = "duplicate-key"    # a unique value (MRN, username) already used by another row


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
