"""Medications and prescriptions, lab orders and results, imaging reports."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import (
    AbnormalFlag,
    ImagingModality,
    LabOrderStatus,
    MedicationStatus,
    PrescriptionStatus,
    ResultStatus,
)
from emr_desktop.domain.errors import ImmutableRecord, NotFound, ValidationError
from emr_desktop.domain.records import (
    ImagingReportDTO,
    LabOrderDTO,
    LabResultDTO,
    MedicationDTO,
    PrescriptionDTO,
)
from emr_desktop.domain.signing import prescription_hash
from emr_desktop.models import ImagingReport, LabOrder, LabResult, Medication, Prescription
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services.base import RecordService, writable

DEA_SCHEDULES = ("", "II", "III", "IV", "V")
MAX_REFILLS = {"": 11, "II": 0, "III": 5, "IV": 5, "V": 5}


def _now() -> datetime:
    return datetime.now(UTC)


class MedicationService(RecordService[Medication, MedicationDTO]):
    model = Medication
    dto = MedicationDTO
    kind = "medication"
    category = Category.MEDICATION
    creatable = writable(MedicationDTO)
    updatable = creatable - {"patient_id"}
    enums = {"status": MedicationStatus}
    order_by = ("status", "display")

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("status", MedicationStatus.ACTIVE.value)
        values.setdefault("start_date", date.today())
        _check_schedule(values.get("dea_schedule", ""))
        return values

    def before_update(self, session: Session, actor: Actor, row: Medication,
                      changes: dict[str, Any]) -> None:
        if "dea_schedule" in changes:
            _check_schedule(changes["dea_schedule"])

    def stop(self, actor: Actor, medication_id: uuid.UUID, reason: str, *,
             stop_date: date | None = None) -> MedicationDTO:
        if not reason.strip():
            raise ValidationError("Please give a reason for stopping this medication.", "status_reason")
        return self.update(actor, medication_id, status=MedicationStatus.STOPPED.value,
                           stop_date=stop_date or date.today(), status_reason=reason.strip())


def _check_schedule(schedule: str) -> None:
    if schedule not in DEA_SCHEDULES:
        raise ValidationError("DEA schedule must be II, III, IV, V or empty.", "dea_schedule")


class PrescriptionService(RecordService[Prescription, PrescriptionDTO]):
    """A prescription is written from a medication list entry and sealed when signed; after that
    only its dispatch status may change (printed, sent, cancelled)."""

    model = Prescription
    dto = PrescriptionDTO
    kind = "prescription"
    category = Category.PRESCRIPTION
    creatable = writable(PrescriptionDTO, "status", "signed_at", "signature_hash")
    updatable = creatable - {"patient_id", "medication_id", "prescriber_id"}
    order_by = ("-written_date",)

    def prescribe(self, actor: Actor, medication_id: uuid.UUID, *, quantity: float, sig: str | None = None,
                  refills: int = 0, quantity_unit: str = "", days_supply: int | None = None,
                  substitution_allowed: bool = True, encounter_id: uuid.UUID | None = None,
                  pharmacy: str = "", note_to_pharmacist: str = "") -> PrescriptionDTO:
        with self.access.action(actor) as ctx:
            med = ctx.session.get(Medication, medication_id)
            if med is None:
                raise NotFound("medication", medication_id)
            ctx.authorize(self.category, Verb.WRITE, med.patient_id, medication_id)
            if med.status != MedicationStatus.ACTIVE.value:
                raise ValidationError("Only an active medication can be prescribed.", "medication_id")
            values = dict(
                patient_id=med.patient_id, medication_id=med.id, encounter_id=encounter_id,
                prescriber_id=actor.user_id, drug_display=med.display, strength=med.strength,
                form=med.form, sig=sig if sig is not None else med.sig, quantity=quantity,
                quantity_unit=quantity_unit or med.form, days_supply=days_supply, refills=refills,
                substitution_allowed=substitution_allowed, dea_schedule=med.dea_schedule,
                written_date=date.today(), pharmacy=pharmacy, note_to_pharmacist=note_to_pharmacist,
            )
            return PrescriptionDTO.from_row(self._insert(ctx, actor, values))

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        if not values.get("sig", "").strip():
            raise ValidationError("Directions (sig) are required.", "sig")
        if not values.get("quantity") or values["quantity"] <= 0:
            raise ValidationError("Quantity must be more than zero.", "quantity")
        refills = values.get("refills", 0)
        limit = MAX_REFILLS.get(values.get("dea_schedule", ""), 0)
        if not 0 <= refills <= limit:
            raise ValidationError(f"Refills must be between 0 and {limit} for this drug.", "refills")
        values["status"] = PrescriptionStatus.DRAFT.value
        return values

    def before_update(self, session: Session, actor: Actor, row: Prescription,
                      changes: dict[str, Any]) -> None:
        if row.status != PrescriptionStatus.DRAFT.value:
            raise ImmutableRecord("prescription")

    def sign(self, actor: Actor, prescription_id: uuid.UUID) -> PrescriptionDTO:
        with self._on_record(actor, prescription_id, Verb.SIGN, "sign") as (_ctx, row):
            if row.status != PrescriptionStatus.DRAFT.value:
                raise ImmutableRecord("prescription")
            row.status = PrescriptionStatus.SIGNED.value
            row.signed_at = _now()
            row.signature_hash = prescription_hash(row)
        return PrescriptionDTO.from_row(row)

    def mark(self, actor: Actor, prescription_id: uuid.UUID, status: PrescriptionStatus) -> PrescriptionDTO:
        """Record that a signed prescription was printed, sent or cancelled."""
        status = PrescriptionStatus(status)
        verb = Verb.PRINT if status is PrescriptionStatus.PRINTED else Verb.WRITE
        with self._on_record(actor, prescription_id, verb, status.value) as (_ctx, row):
            if row.status in (PrescriptionStatus.DRAFT.value, PrescriptionStatus.CANCELLED.value) and \
                    status is not PrescriptionStatus.CANCELLED:
                raise ValidationError("Sign the prescription first.")
            row.status = status.value
        return PrescriptionDTO.from_row(row)


class LabOrderService(RecordService[LabOrder, LabOrderDTO]):
    model = LabOrder
    dto = LabOrderDTO
    kind = "lab order"
    category = Category.LAB
    creatable = writable(LabOrderDTO)
    updatable = creatable - {"patient_id"}
    enums = {"status": LabOrderStatus}
    order_by = ("-ordered_at",)

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("ordered_at", _now())
        values.setdefault("ordered_by_id", actor.user_id)
        values.setdefault("status", LabOrderStatus.ORDERED.value)
        return values


def abnormal_flag(value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return ""
    if low is not None and value < low:
        return AbnormalFlag.LOW.value
    if high is not None and value > high:
        return AbnormalFlag.HIGH.value
    if low is None and high is None:
        return ""
    return AbnormalFlag.NORMAL.value


class LabResultService(RecordService[LabResult, LabResultDTO]):
    """Resulted (final) values are immutable: a correction is a new result with status
    'corrected', and the old one is marked entered-in-error."""

    model = LabResult
    dto = LabResultDTO
    kind = "lab result"
    category = Category.LAB
    creatable = writable(LabResultDTO)
    updatable = frozenset({"reviewed_by_id", "reviewed_at", "comment", "status"})
    enums = {"status": ResultStatus, "abnormal_flag": AbnormalFlag}
    order_by = ("-collected_at", "loinc")

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        values.setdefault("status", ResultStatus.FINAL.value)
        if not values.get("abnormal_flag"):
            values["abnormal_flag"] = abnormal_flag(values.get("value_numeric"),
                                                    values.get("reference_low"),
                                                    values.get("reference_high"))
        if values.get("value_numeric") is not None and not values.get("value_text"):
            values["value_text"] = f"{values['value_numeric']:g}"
        order_id = values.get("order_id")
        if order_id is not None:
            order = session.get(LabOrder, order_id)
            if order is None or order.patient_id != values.get("patient_id"):
                raise ValidationError("The result does not belong to that order's patient.", "order_id")
            order.status = LabOrderStatus.RESULTED.value
        return values

    def before_update(self, session: Session, actor: Actor, row: LabResult, changes: dict[str, Any]) -> None:
        if "status" in changes and row.status in (ResultStatus.FINAL.value, ResultStatus.CORRECTED.value):
            raise ImmutableRecord("lab result")

    def mark_reviewed(self, actor: Actor, result_id: uuid.UUID) -> LabResultDTO:
        return self.update(actor, result_id, reviewed_by_id=actor.user_id, reviewed_at=_now())

    def trend(self, actor: Actor, patient_id: uuid.UUID, loinc: str) -> list[LabResultDTO]:
        with self._on_patient(actor, patient_id, Verb.READ, "read", "trend") as ctx:
            rows = ctx.session.scalars(select(LabResult).where(
                LabResult.patient_id == patient_id, LabResult.loinc == loinc,
                LabResult.record_status == "active").order_by(LabResult.collected_at))
            return [LabResultDTO.from_row(r) for r in rows]


class ImagingService(RecordService[ImagingReport, ImagingReportDTO]):
    model = ImagingReport
    dto = ImagingReportDTO
    kind = "imaging report"
    category = Category.IMAGING
    creatable = writable(ImagingReportDTO)
    updatable = frozenset({"status", "impression", "report_text", "radiologist"})
    enums = {"modality": ImagingModality, "status": ResultStatus}
    order_by = ("-performed_at",)

    def before_update(self, session: Session, actor: Actor, row: ImagingReport,
                      changes: dict[str, Any]) -> None:
        if row.status == ResultStatus.FINAL.value and changes.get("status") != ResultStatus.CORRECTED.value:
            raise ImmutableRecord("imaging report")
