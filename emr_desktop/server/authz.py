"""Which permission a pushed op needs: the hub re-checks every op against the same role table the
workstation's services use (security.permissions)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emr_desktop.domain.enums import NoteStatus
from emr_desktop.security.permissions import ENTITY_CATEGORY, ROLE_PERMISSIONS, Category, Verb

C = Category
#: Any signed-in user may settle conflicts they can see.
OPEN_TO_STAFF = frozenset({"sync_conflict"})
#: The audit trail is append-only and hash-chained: every enrolled workstation's entries are kept.
ALWAYS_ACCEPTED = frozenset({"audit_event"})
#: A user may change these on their own account (password change, two-step set-up).
OWN_ACCOUNT_FIELDS = frozenset({"password_hash", "password_changed_at", "must_change_password",
                                "totp_secret", "totp_confirmed_at"})
CLINICAL_EMERGENCY = frozenset({C.ENCOUNTER, C.NOTE, C.VITALS, C.MEDICATION, C.PRESCRIPTION,
                                C.ALLERGY, C.IMMUNIZATION, C.LAB, C.IMAGING, C.PROBLEM, C.HISTORY,
                                C.DOCUMENT})


def required(entity: str, current: Mapping[str, Any] | None, row: Mapping[str, Any]) -> tuple[Category, Verb]:
    category = ENTITY_CATEGORY[entity]
    if category in (C.USERS, C.PRACTICE):
        return category, Verb.MANAGE
    signs = (entity in ("clinical_note", "prescription") and row.get("signature_hash")
             and (current is None or current.get("signature_hash") != row.get("signature_hash")))
    if signs or (entity == "clinical_note" and row.get("status") == NoteStatus.SIGNED.value
                 and (current is None or current.get("status") != NoteStatus.SIGNED.value)):
        return category, Verb.SIGN
    return category, Verb.WRITE


def allowed(roles: set[str], entity: str, current: Mapping[str, Any] | None, row: Mapping[str, Any],
            emergency_patients: set[str], *, user: str | None = None,
            changed: frozenset[str] | set[str] = frozenset()) -> bool:
    if entity in ALWAYS_ACCEPTED:
        return True
    if (entity == "user_account" and current is not None and user is not None
            and str(row.get("id")) == user and set(changed) <= OWN_ACCOUNT_FIELDS):
        return True
    if entity in OPEN_TO_STAFF:
        return bool(roles)
    if entity not in ENTITY_CATEGORY:
        return False
    category, verb = required(entity, current, row)
    for role in roles:
        perms = ROLE_PERMISSIONS.get(role)  # type: ignore[call-overload]
        if perms and (category, verb) in perms:
            return True
    patient = row.get("patient_id") if entity != "patient" else row.get("id")
    return (verb is Verb.WRITE and category in CLINICAL_EMERGENCY and patient is not None
            and str(patient) in emergency_patients)
