"""Registration, demographics, search, insurance coverage."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import AdministrativeSex, CoveragePriority, RecordStatus
from emr_desktop.domain.errors import ValidationError
from emr_desktop.domain.records import CoverageDTO, PatientDTO
from emr_desktop.domain.text import digits, fold, prefix_upper_bound
from emr_desktop.models import AuditEvent, InsuranceCoverage, Patient
from emr_desktop.security.permissions import Category, Verb
from emr_desktop.services import mrn as mrn_mod
from emr_desktop.services.access import ActionContext
from emr_desktop.services.base import RecordService, writable

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%m-%d-%Y", "%d.%m.%Y")
_MAX_QUERY = 100
#: The audit detail ChartService.load writes for a chart open (emergency access prefixes it).
CHART_OPENED = "chart opened"
#: How far back ``PatientService.recent`` looks in the audit trail, and how many opens it reads.
RECENT_LOOKBACK = timedelta(days=120)
_RECENT_SCAN = 400


def parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def search_keys(values: dict[str, Any]) -> dict[str, str]:
    phone = values.get("phone_mobile") or values.get("phone_home") or ""
    return {
        "search_family": fold(values.get("family_name", "")),
        "search_given": fold(values.get("given_name", "")),
        "search_phone": digits(phone),
    }


def _prefix(column: Any, text: str) -> Any:
    """'starts with' as an index range scan: literal for every character, no LIKE wildcards."""
    return and_(column >= text, column < prefix_upper_bound(text))


class PatientService(RecordService[Patient, PatientDTO]):
    model = Patient
    dto = PatientDTO
    kind = "patient"
    category = Category.DEMOGRAPHICS
    creatable = writable(PatientDTO, "mrn", "merged_into_id")
    enums = {"sex": AdministrativeSex, "sex_at_birth": AdministrativeSex}

    @classmethod
    def required_fields(cls) -> frozenset[str]:
        return super().required_fields() - {"mrn"}

    def prepare_create(self, session: Session, actor: Actor, values: dict[str, Any]) -> dict[str, Any]:
        for name in ("family_name", "given_name"):
            if isinstance(values.get(name), str):
                values[name] = values[name].strip()
        birth = values.get("birth_date")
        if isinstance(birth, date) and birth > date.today():
            raise ValidationError("Date of birth cannot be in the future.", "birth_date")
        return values

    def _insert(self, ctx: ActionContext, actor: Actor, values: dict[str, Any]) -> Patient:
        values = self._validated_for_create(ctx.session, actor, values)
        row = Patient(**values, mrn=mrn_mod.allocate(ctx.session)[0], **search_keys(values))
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit(self.category, "create", row.id, row.id)
        return row

    def _patient_of(self, row: Patient) -> uuid.UUID:
        return row.id

    def register(self, actor: Actor, **values: Any) -> PatientDTO:
        """Register a new patient; the MRN is assigned here."""
        return self.create(actor, **values)

    def before_update(self, session: Session, actor: Actor, row: Patient, changes: dict[str, Any]) -> None:
        if "birth_date" in changes and changes["birth_date"] > date.today():
            raise ValidationError("Date of birth cannot be in the future.", "birth_date")
        merged = {c: getattr(row, c) for c in ("family_name", "given_name", "phone_mobile", "phone_home")}
        merged.update({k: v for k, v in changes.items() if k in merged})
        for key, value in search_keys(merged).items():
            setattr(row, key, value)

    def by_mrn(self, actor: Actor, mrn: str) -> PatientDTO | None:
        with self._on_patient(actor, None, Verb.READ, None) as ctx:
            row = ctx.session.scalar(select(Patient).where(Patient.mrn == mrn.strip()))
            if row is None:
                return None
            ctx.audit(self.category, "read", row.id, row.id, "by MRN")
            return PatientDTO.from_row(row)

    def search(self, actor: Actor, query: str, *, limit: int = 50) -> list[PatientDTO]:
        """Search by name ("family, given", "given family" or one name, prefixes), date of birth,
        MRN or phone. Every character is matched literally."""
        query = query.strip()[:_MAX_QUERY]
        if not query:
            return []
        limit = max(1, min(limit, 500))
        conditions = []
        dob = parse_date(query)
        if dob is not None:
            conditions.append(Patient.birth_date == dob)
        plain = re.sub(r"[\s().+-]", "", query)
        if plain.isdigit():
            conditions.append(Patient.mrn == plain)
            if len(plain) >= 4:
                conditions.append(_prefix(Patient.search_phone, plain))
        if dob is None and not plain.isdigit():
            conditions.append(self._name_condition(query))
        stmt = (
            select(Patient)
            .where(or_(*conditions), Patient.record_status == RecordStatus.ACTIVE.value)
            .order_by(Patient.search_family, Patient.search_given, Patient.birth_date, Patient.id)
            .limit(limit)
        )
        return self._query(actor, stmt, "search")

    def _query(self, actor: Actor, stmt: Any, action: str) -> list[PatientDTO]:
        """Run a patient query; the audit entry names the action and the count, never the terms."""
        with self._on_patient(actor, None, Verb.READ, None) as ctx:
            found = [PatientDTO.from_row(r) for r in ctx.session.scalars(stmt)]
            ctx.audit(self.category, action, None, "", f"{len(found)} result(s)")
            return found

    @staticmethod
    def _name_condition(query: str) -> Any:
        if "," in query:
            family, given = (fold(p) for p in query.split(",", 1))
            cond = _prefix(Patient.search_family, family)
            return and_(cond, _prefix(Patient.search_given, given)) if given else cond
        words = fold(query).split(" ")
        if len(words) >= 2:
            first, rest = words[0], " ".join(words[1:])
            last, head = words[-1], " ".join(words[:-1])
            return or_(
                and_(_prefix(Patient.search_given, first), _prefix(Patient.search_family, rest)),
                and_(_prefix(Patient.search_given, head), _prefix(Patient.search_family, last)),
                _prefix(Patient.search_family, fold(query)),
            )
        word = words[0]
        return or_(_prefix(Patient.search_family, word), _prefix(Patient.search_given, word))

    def recent(self, actor: Actor, limit: int = 10) -> list[PatientDTO]:
        """The patients whose charts this user opened most recently (newest first, each once,
        active charts only), read from the audit trail's "chart opened" entries."""
        limit = max(1, min(limit, 50))
        if actor.user_id is None:
            return []
        since = datetime.now(UTC) - RECENT_LOOKBACK
        opened = (
            select(AuditEvent.patient_id)
            .where(AuditEvent.occurred_at >= since, AuditEvent.user_id == actor.user_id,
                   AuditEvent.category == Category.DEMOGRAPHICS.value, AuditEvent.action == "read",
                   AuditEvent.outcome == "success", AuditEvent.patient_id.is_not(None),
                   or_(AuditEvent.detail == CHART_OPENED,
                       AuditEvent.detail == f"[emergency access] {CHART_OPENED}"))
            .order_by(AuditEvent.occurred_at.desc(), AuditEvent.seq.desc())
            .limit(_RECENT_SCAN)
        )
        with self._on_patient(actor, None, Verb.READ, None) as ctx:
            order: list[uuid.UUID] = list(dict.fromkeys(ctx.session.scalars(opened)))
            rows = {r.id: r for r in ctx.session.scalars(select(Patient).where(
                Patient.id.in_(order), Patient.record_status == RecordStatus.ACTIVE.value,
                Patient.merged_into_id.is_(None)))} if order else {}
            found = [PatientDTO.from_row(rows[pid]) for pid in order if pid in rows][:limit]
            ctx.audit(self.category, "recent", None, "", f"{len(found)} result(s)")
            return found

    def possible_duplicates(self, actor: Actor, family_name: str, given_name: str,
                            birth_date: date) -> list[PatientDTO]:
        """Likely duplicates for a registration: same birth date and same folded family name, or
        same birth date and given name (catches a changed surname)."""
        fam, giv = fold(family_name), fold(given_name)
        stmt = select(Patient).where(
            Patient.birth_date == birth_date,
            or_(Patient.search_family == fam, Patient.search_given == giv),
            Patient.record_status == RecordStatus.ACTIVE.value,
        ).limit(20)
        return self._query(actor, stmt, "duplicate-check")

    def _rows_for_patient(self, session: Session, patient_id: uuid.UUID,
                          include_inactive: bool = False) -> list[Patient]:
        row = session.get(Patient, patient_id)
        return [row] if row else []


class CoverageService(RecordService[InsuranceCoverage, CoverageDTO]):
    model = InsuranceCoverage
    dto = CoverageDTO
    kind = "insurance coverage"
    category = Category.INSURANCE
    creatable = writable(CoverageDTO)
    updatable = creatable - {"patient_id"}
    enums = {"priority": CoveragePriority}
    order_by = ("priority", "-effective_from")
