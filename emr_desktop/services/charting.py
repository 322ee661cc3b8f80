"""Encounters, notes, vitals, allergies, problems, immunizations, histories, documents."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.codes import NO_KNOWN_ALLERGY, SMOKING_STATUS_SNOMED, SNOMED, VITALS, unit_label
from emr_desktop.domain.enums import (
    AllergyCategory,
    AllergySeverity,
    AllergyStatus,
    EncounterStatus,
    EncounterType,
    ImmunizationKind,
    NoteStatus,
    ProblemStatus,
    RecordStatus,
    SmokingStatus,
)
from emr_desktop.domain.errors import ImmutableRecord, NotFound, ValidationError
from emr_desktop.domain.records import (
    AllergyDTO,
    DocumentDTO,
    EncounterDTO,
    FamilyHistoryDTO,
    ImmunizationDTO,
    NoteDTO,
    ProblemDTO,
    SocialHistoryDTO,
    VitalSignDTO,
)
from emr_desktop.domain.signing import note_hash
from emr_desktop.models import (
    Allergy,
    ClinicalNote,
    Document,
    DocumentContent,
    Encounter,
    FamilyHistory,
    Immunization,
    Problem,
    SocialHistory,
    VitalSign,
    new_id,
)
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.base import RecordService, writable

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


def _now() -> datetime:
    return datetime.now(UTC)


class EncounterService(RecordService[Encounter, EncounterDTO]):
    model = Encounter
    dto = EncounterDTO
    kind = "encounter"
    category = Category.ENCOUNTER
    creatable = writable(EncounterDTO)
    updatable = creatable - {"patient_id"}
    enums = {"encounter_type": EncounterType, "status": EncounterStatus}
    order_by = ("-start_time",)

    def start(self, actor: Actor, patient_id: uuid.UUID, encounter_type: str, *,
              reason: str = "", provider_id: uuid.UUID | None = None,
              start_time: datetime | None = None) -> EncounterDTO:
        return self.create(actor, patient_id=patient_id, encounter_type=encounter_type,
                           reason=reason, provider_id=provider_id or actor.user_id,
                           start_time=start_time or _now(), status=EncounterStatus.IN_PROGRESS.value)

    def finish(self, actor: Actor, encounter_id: uuid.UUID) -> EncounterDTO:
        return self.update(actor, encounter_id, status=EncounterStatus.FINISHED.value, end_time=_now())


class NoteService(RecordService[ClinicalNote, NoteDTO]):
    model = ClinicalNote
    dto = NoteDTO
    kind = "note"
    category = Category.NOTE
    creatable = writable(NoteDTO, "status", "signed_at", "signed_by_id", "signature_hash")
    updatable = frozenset({"note_type", "title", "subjective", "objective", "assessment", "plan"})
    order_by = ("-updated_hlc",)

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("author_id", actor.user_id)
        target_id = values.get("addendum_to_id")
        if target_id is not None:
            target = session.get(ClinicalNote, target_id)
            if target is None or target.status != NoteStatus.SIGNED.value:
                raise ValidationError("An addendum can only be added to a signed note.", "addendum_to_id")
            if target.patient_id != values.get("patient_id"):
                raise ValidationError("An addendum must belong to the same patient.", "patient_id")
            values.setdefault("encounter_id", target.encounter_id)
        values["status"] = NoteStatus.DRAFT.value
        return values

    def add_addendum(self, actor: Actor, note_id: uuid.UUID, text: str) -> NoteDTO:
        signed = self.get(actor, note_id)
        return self.create(actor, patient_id=signed.patient_id, addendum_to_id=note_id,
                           note_type="addendum", title=f"Addendum to {signed.title or 'note'}",
                           plan=text)

    def before_update(self, session: Session, actor: Actor, row: ClinicalNote,
                      changes: dict[str, Any]) -> None:
        if row.status == NoteStatus.SIGNED.value:
            raise ImmutableRecord("note")

    def sign(self, actor: Actor, note_id: uuid.UUID) -> NoteDTO:
        with self._on_record(actor, note_id, Verb.SIGN, "sign") as (_ctx, row):
            if row.status == NoteStatus.SIGNED.value:
                raise ImmutableRecord("note")
            if row.record_status != RecordStatus.ACTIVE.value:
                raise ValidationError("Only an active note can be signed.")
            if not any((row.subjective, row.objective, row.assessment, row.plan)):
                raise ValidationError("An empty note cannot be signed.")
            row.status = NoteStatus.SIGNED.value
            row.signed_at = _now()
            row.signed_by_id = actor.user_id
            row.signature_hash = note_hash(row)
        return NoteDTO.from_row(row)

    def list_for_encounter(self, actor: Actor, encounter_id: uuid.UUID) -> list[NoteDTO]:
        with self.access.action(actor) as ctx:
            encounter = ctx.session.get(Encounter, encounter_id)
            if encounter is None:
                raise NotFound("encounter", encounter_id)
            ctx.authorize(self.category, Verb.READ, encounter.patient_id, encounter_id)
            rows = ctx.session.scalars(select(ClinicalNote).where(
                ClinicalNote.encounter_id == encounter_id).order_by(ClinicalNote.id))
            notes = [NoteDTO.from_row(r) for r in rows]
            ctx.audit(self.category, "read", encounter.patient_id, encounter_id, "encounter notes")
            return notes

    def verify_signature(self, note: NoteDTO) -> bool:
        return note.status != NoteStatus.SIGNED.value or note.signature_hash == note_hash(note)


class VitalsService(RecordService[VitalSign, VitalSignDTO]):
    """Vitals are append-only facts: a correction marks the row entered-in-error and adds a new
    one. ``record`` takes canonical units (cm, kg, Cel) and derives BMI."""

    model = VitalSign
    dto = VitalSignDTO
    kind = "vital sign"
    category = Category.VITALS
    creatable = writable(VitalSignDTO)
    updatable = frozenset()
    order_by = ("-taken_at", "loinc")

    def record(self, actor: Actor, patient_id: uuid.UUID, *, taken_at: datetime | None = None,
               encounter_id: uuid.UUID | None = None, method: str = "",
               **measurements: float | None) -> list[VitalSignDTO]:
        values = {k: v for k, v in measurements.items() if v is not None}
        unknown = sorted(set(values) - set(VITALS))
        if unknown:
            raise ValidationError(f"Unknown vital sign(s): {', '.join(unknown)}.", unknown[0])
        if not values:
            raise ValidationError("Enter at least one measurement.")
        if ("systolic" in values) != ("diastolic" in values):
            raise ValidationError("Blood pressure needs both systolic and diastolic values.", "systolic")
        if "systolic" in values and values["systolic"] <= values["diastolic"]:
            raise ValidationError("Systolic pressure must be higher than diastolic.", "systolic")
        if "height" in values and "weight" in values and "bmi" not in values:
            values["bmi"] = round(values["weight"] / (values["height"] / 100) ** 2, 1)
        for key, value in values.items():
            kind = VITALS[key]
            if not (kind.low <= float(value) <= kind.high):
                raise ValidationError(
                    f"{kind.display} {value:g} {unit_label(kind.unit)} is outside the possible range "
                    f"({kind.low:g}-{kind.high:g}); check the value and its unit.", key)
        panel = new_id()
        when = taken_at or _now()
        with self._on_patient(actor, patient_id, Verb.WRITE, "create", "vitals panel") as ctx:
            rows = [VitalSign(patient_id=patient_id, encounter_id=encounter_id, panel_id=panel,
                              loinc=VITALS[k].loinc, value=float(v), unit=VITALS[k].unit,
                              taken_at=when, taken_by_id=actor.user_id, method=method)
                    for k, v in values.items()]
            ctx.session.add_all(rows)
            ctx.session.flush()
            return [VitalSignDTO.from_row(r) for r in rows]

    def trend(self, actor: Actor, patient_id: uuid.UUID, loinc: str) -> list[VitalSignDTO]:
        with self._on_patient(actor, patient_id, Verb.READ, "read", "trend") as ctx:
            rows = ctx.session.scalars(
                select(VitalSign).where(VitalSign.patient_id == patient_id, VitalSign.loinc == loinc,
                                        VitalSign.record_status == RecordStatus.ACTIVE.value)
                .order_by(VitalSign.taken_at))
            return [VitalSignDTO.from_row(r) for r in rows]


class AllergyService(RecordService[Allergy, AllergyDTO]):
    model = Allergy
    dto = AllergyDTO
    kind = "allergy"
    category = Category.ALLERGY
    creatable = writable(AllergyDTO, "no_known_allergies")
    updatable = creatable - {"patient_id"}
    enums = {"category": AllergyCategory, "severity": AllergySeverity, "status": AllergyStatus}
    order_by = ("substance",)

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("status", AllergyStatus.ACTIVE.value)
        values.setdefault("recorded_by_id", actor.user_id)
        # A real allergy supersedes an earlier "no known allergies" statement.
        for nka in self._active(session, values.get("patient_id"), nka=True):
            nka.status = AllergyStatus.INACTIVE.value
            nka.status_reason = "superseded by a recorded allergy"
        return values

    @staticmethod
    def _active(session: Session, patient_id: Any, *, nka: bool) -> list[Allergy]:
        return list(session.scalars(select(Allergy).where(
            Allergy.patient_id == patient_id, Allergy.no_known_allergies == nka,
            Allergy.status == AllergyStatus.ACTIVE.value,
            Allergy.record_status == RecordStatus.ACTIVE.value)))

    def record_no_known_allergies(self, actor: Actor, patient_id: uuid.UUID) -> AllergyDTO:
        with self._on_patient(actor, patient_id, Verb.WRITE, "create", "no known allergies") as ctx:
            session = ctx.session
            if self._active(session, patient_id, nka=False):
                raise ValidationError("This patient has active allergies; mark them inactive first.")
            existing = self._active(session, patient_id, nka=True)
            if existing:
                return AllergyDTO.from_row(existing[0])
            row = Allergy(patient_id=patient_id, no_known_allergies=True, code_system=SNOMED,
                          code=NO_KNOWN_ALLERGY[0], substance=NO_KNOWN_ALLERGY[1],
                          status=AllergyStatus.ACTIVE.value, recorded_by_id=actor.user_id)
            session.add(row)
            session.flush()
            return AllergyDTO.from_row(row)

    def set_status(self, actor: Actor, allergy_id: uuid.UUID, status: AllergyStatus,
                   reason: str) -> AllergyDTO:
        if status is not AllergyStatus.ACTIVE and not reason.strip():
            raise ValidationError("Please give a reason.", "status_reason")
        return self.update(actor, allergy_id, status=AllergyStatus(status).value, status_reason=reason)


class ProblemService(RecordService[Problem, ProblemDTO]):
    model = Problem
    dto = ProblemDTO
    kind = "problem"
    category = Category.PROBLEM
    creatable = writable(ProblemDTO)
    updatable = creatable - {"patient_id"}
    enums = {"status": ProblemStatus}
    order_by = ("status", "-onset_date")

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("status", ProblemStatus.ACTIVE.value)
        values.setdefault("noted_by_id", actor.user_id)
        code = str(values.get("icd10_code", "")).strip().upper()
        if code and not _looks_like_icd10(code):
            raise ValidationError("That is not an ICD-10-CM code (e.g. I10, E11.9).", "icd10_code")
        values["icd10_code"] = code
        return values

    def resolve(self, actor: Actor, problem_id: uuid.UUID, *, resolved_date: date | None = None,
                reason: str = "") -> ProblemDTO:
        return self.update(actor, problem_id, status=ProblemStatus.RESOLVED.value,
                           resolved_date=resolved_date or date.today(), status_reason=reason)


def _looks_like_icd10(code: str) -> bool:
    body = code.replace(".", "")
    return 3 <= len(body) <= 7 and body[0].isalpha() and body[1].isdigit() and body.isalnum()


class ImmunizationService(RecordService[Immunization, ImmunizationDTO]):
    model = Immunization
    dto = ImmunizationDTO
    kind = "immunization"
    category = Category.IMMUNIZATION
    creatable = writable(ImmunizationDTO)
    updatable = creatable - {"patient_id"}
    enums = {"kind": ImmunizationKind}
    order_by = ("-occurrence_date", "cvx_code")

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        kind = values.get("kind")
        if kind == ImmunizationKind.REFUSED.value and not values.get("refusal_reason"):
            raise ValidationError("Record why the vaccine was refused.", "refusal_reason")
        if kind == ImmunizationKind.GIVEN.value:
            values.setdefault("administered_by_id", actor.user_id)
            if not values.get("lot_number"):
                raise ValidationError("A lot number is required for a vaccine given here.", "lot_number")
        when = values.get("occurrence_date")
        if isinstance(when, date) and when > date.today():
            raise ValidationError("The date cannot be in the future.", "occurrence_date")
        return values


class FamilyHistoryService(RecordService[FamilyHistory, FamilyHistoryDTO]):
    model = FamilyHistory
    dto = FamilyHistoryDTO
    kind = "family history entry"
    category = Category.HISTORY
    creatable = writable(FamilyHistoryDTO)
    updatable = creatable - {"patient_id"}
    order_by = ("relationship", "condition")


class SocialHistoryService(RecordService[SocialHistory, SocialHistoryDTO]):
    model = SocialHistory
    dto = SocialHistoryDTO
    kind = "social history"
    category = Category.HISTORY
    creatable = writable(SocialHistoryDTO, "smoking_snomed")
    updatable = creatable - {"patient_id"}
    enums = {"smoking_status": SmokingStatus}
    order_by = ("-recorded_at",)

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("recorded_at", _now())
        values.setdefault("recorded_by_id", actor.user_id)
        status = values.get("smoking_status")
        if status in SmokingStatus._value2member_map_:
            values["smoking_snomed"] = SMOKING_STATUS_SNOMED[SmokingStatus(status)][0]
        return values

    def current(self, actor: Actor, patient_id: uuid.UUID) -> SocialHistoryDTO | None:
        rows = self.list_for_patient(actor, patient_id)
        return rows[0] if rows else None


class DocumentService(RecordService[Document, DocumentDTO]):
    """Attachments; the bytes are stored in the encrypted database, never in a loose file."""

    model = Document
    dto = DocumentDTO
    kind = "document"
    category = Category.DOCUMENT
    creatable = writable(DocumentDTO, "size_bytes", "sha256")
    updatable = frozenset({"title", "category", "document_date", "encounter_id"})
    order_by = ("-document_date",)

    def attach(self, actor: Actor, patient_id: uuid.UUID, *, title: str, data: bytes,
               filename: str = "", mime_type: str = "application/octet-stream",
               category: str = "other", encounter_id: uuid.UUID | None = None,
               document_date: datetime | None = None) -> DocumentDTO:
        if not data:
            raise ValidationError("The file is empty.", "data")
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValidationError(f"The file is larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB.", "data")
        values = dict(patient_id=patient_id, title=title, filename=filename, mime_type=mime_type,
                      category=category, encounter_id=encounter_id,
                      document_date=document_date or _now(), added_by_id=actor.user_id)
        self._check(values, self.creatable)
        self._check_required({**values, "size_bytes": len(data), "sha256": "-"})
        with self._on_patient(actor, patient_id, Verb.WRITE, None) as ctx:
            row = Document(**values, size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())
            ctx.session.add(row)
            ctx.session.flush()
            ctx.session.add(DocumentContent(document_id=row.id, data=data))
            ctx.session.flush()
            ctx.audit(self.category, "create", patient_id, row.id)
            return DocumentDTO.from_row(row)

    def content(self, actor: Actor, document_id: uuid.UUID) -> bytes:
        with self._on_record(actor, document_id, Verb.READ, "read", "content") as (ctx, doc):
            blob = ctx.session.scalar(select(DocumentContent).where(DocumentContent.document_id == doc.id))
            if blob is None or hashlib.sha256(blob.data).hexdigest() != doc.sha256:
                raise ValidationError("The stored file is missing or does not match its checksum.")
            return blob.data
