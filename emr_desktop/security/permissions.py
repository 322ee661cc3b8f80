"""Roles -> what they may do: the one table every service checks (HIPAA 164.312(a)(1)).

A permission is a (data category, verb) pair. Services call ``authorize`` for every call with the
patient the *object* belongs to (looked up from the database, never taken from the caller), so a
user cannot reach another patient's record by guessing an id. Emergency ("break-glass") access adds
clinical read/write for one chart for the rest of a log-in session; it is granted and audited by
services.access.

``docs/permissions.md`` is generated from this table (``python -m emr_desktop.security.permissions``)
and a test keeps the two identical.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.domain.errors import PermissionDenied


class Category(StrEnum):
    """Data categories (ASTM E2147 'data category'); also the chart sections of the audit log."""

    DEMOGRAPHICS = "demographics"
    INSURANCE = "insurance"
    SCHEDULE = "schedule"
    ENCOUNTER = "encounter"
    NOTE = "note"
    VITALS = "vitals"
    MEDICATION = "medication"
    PRESCRIPTION = "prescription"
    ALLERGY = "allergy"
    IMMUNIZATION = "immunization"
    LAB = "lab"
    IMAGING = "imaging"
    PROBLEM = "problem"
    HISTORY = "history"
    DOCUMENT = "document"
    BILLING = "billing"
    USERS = "users"
    AUDIT = "audit"
    PRACTICE = "practice"
    CHART_EXPORT = "chart-export"


class Verb(StrEnum):
    READ = "read"
    WRITE = "write"  # create, change, status change
    SIGN = "sign"
    PRINT = "print"
    MANAGE = "manage"


C, V = Category, Verb
CLINICAL = (C.ENCOUNTER, C.NOTE, C.VITALS, C.MEDICATION, C.PRESCRIPTION, C.ALLERGY, C.IMMUNIZATION,
            C.LAB, C.IMAGING, C.PROBLEM, C.HISTORY, C.DOCUMENT)


def _rw(*categories: Category) -> set[tuple[Category, Verb]]:
    return {(c, v) for c in categories for v in (V.READ, V.WRITE)}


def _r(*categories: Category) -> set[tuple[Category, Verb]]:
    return {(c, V.READ) for c in categories}


ROLE_PERMISSIONS: dict[Role, frozenset[tuple[Category, Verb]]] = {
    Role.FRONT_DESK: frozenset(
        _rw(C.DEMOGRAPHICS, C.INSURANCE, C.SCHEDULE) | _r(C.ALLERGY)  # allergies show in the banner
    ),
    Role.NURSE: frozenset(
        _rw(C.DEMOGRAPHICS, C.SCHEDULE, C.ENCOUNTER, C.VITALS, C.IMMUNIZATION, C.ALLERGY,
            C.MEDICATION, C.HISTORY, C.DOCUMENT, C.LAB)
        | _rw(C.NOTE)  # drafts only: signing is a provider's
        | _r(C.INSURANCE, C.PRESCRIPTION, C.IMAGING, C.PROBLEM)
        | {(C.NOTE, V.PRINT), (C.PRESCRIPTION, V.PRINT)}
    ),
    Role.PROVIDER: frozenset(
        _rw(C.DEMOGRAPHICS, C.SCHEDULE, *CLINICAL)
        | _r(C.INSURANCE, C.BILLING)
        | {(C.NOTE, V.SIGN), (C.PRESCRIPTION, V.SIGN), (C.NOTE, V.PRINT), (C.PRESCRIPTION, V.PRINT),
           (C.CHART_EXPORT, V.READ)}
    ),
    Role.BILLING: frozenset(
        _rw(C.INSURANCE, C.BILLING)
        | _r(C.DEMOGRAPHICS, C.SCHEDULE, C.ENCOUNTER, C.PROBLEM)  # codes for claims, not notes
    ),
    Role.ADMIN: frozenset(
        _rw(C.DEMOGRAPHICS, C.INSURANCE, C.SCHEDULE)
        | {(C.USERS, V.MANAGE), (C.AUDIT, V.READ), (C.PRACTICE, V.MANAGE), (C.CHART_EXPORT, V.READ)}
    ),
}

#: The chart area of each synced record type (the hub re-checks pushed changes against it).
ENTITY_CATEGORY: dict[str, Category] = {
    "patient": C.DEMOGRAPHICS, "insurance_coverage": C.INSURANCE, "appointment": C.SCHEDULE,
    "encounter": C.ENCOUNTER, "clinical_note": C.NOTE, "vital_sign": C.VITALS,
    "medication": C.MEDICATION, "prescription": C.PRESCRIPTION, "allergy": C.ALLERGY,
    "immunization": C.IMMUNIZATION, "lab_order": C.LAB, "lab_result": C.LAB,
    "imaging_report": C.IMAGING, "problem": C.PROBLEM, "family_history": C.HISTORY,
    "social_history": C.HISTORY, "document": C.DOCUMENT, "document_content": C.DOCUMENT,
    "user_account": C.USERS, "role_assignment": C.USERS, "practice": C.PRACTICE,
    "workstation": C.PRACTICE,
}

#: What emergency access adds, for one chart: clinical reading and writing - never signing.
EMERGENCY_PERMISSIONS: frozenset[tuple[Category, Verb]] = frozenset(_rw(*CLINICAL) | _r(C.INSURANCE))


def permissions_of(actor: Actor) -> frozenset[tuple[Category, Verb]]:
    granted: set[tuple[Category, Verb]] = set()
    for role in actor.roles:
        if role in Role._value2member_map_:
            granted |= ROLE_PERMISSIONS[Role(role)]
    return frozenset(granted)


def allows(actor: Actor, category: Category, verb: Verb, patient_id: uuid.UUID | None = None) -> bool:
    if actor.is_system:
        return True
    if (category, verb) in permissions_of(actor):
        return True
    return (patient_id is not None and patient_id in actor.emergency_patients
            and (category, verb) in EMERGENCY_PERMISSIONS)


def require(actor: Actor, category: Category, verb: Verb, patient_id: uuid.UUID | None = None) -> None:
    """Raise PermissionDenied unless allowed. (Services audit the denial: see services.access.)"""
    if not allows(actor, category, verb, patient_id):
        raise PermissionDenied(f"{verb.value} {category.value}")


def markdown_table() -> str:
    roles = list(Role)
    lines = [
        "# Roles and permissions",
        "",
        "Generated from `emr_desktop/security/permissions.py` (`python -m emr_desktop.security."
        "permissions > docs/permissions.md`); a test keeps this file and the code identical.",
        "Every service call is checked against this table for the patient the record belongs to,",
        "and every denial is audited.",
        "",
        "| category | " + " | ".join(r.value for r in roles) + " | emergency access adds |",
        "|---|" + "---|" * (len(roles) + 1),
    ]
    for category in Category:
        cells = []
        for role in roles:
            verbs = [v.value for v in Verb if (category, v) in ROLE_PERMISSIONS[role]]
            cells.append(", ".join(verbs) or "-")
        extra = [v.value for v in Verb if (category, v) in EMERGENCY_PERMISSIONS]
        lines.append(f"| {category.value} | " + " | ".join(cells) + f" | {', '.join(extra) or '-'} |")
    lines += [
        "",
        "- **write** covers create, change and status changes (inactive, entered-in-error, stop, resolve);",
        "  records are never deleted.",
        "- **sign** seals a note or prescription; only providers sign. Nurses write draft notes.",
        "- **Emergency access** (break-glass): a user without a permission types a reason; for that chart",
        "  and the rest of the log-in session they get the clinical read/write above (never signing). It is",
        "  audited prominently and listed by `emr-desktop audit emergency-review`.",
        "- The `system` actor (set-up, demo data, migrations) is not a person and cannot log in.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table(), end="")
