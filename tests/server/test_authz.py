"""The hub's permission mapping covers every synced record type and agrees with the role table."""

from __future__ import annotations

import pytest

from emr_desktop.domain.enums import Role
from emr_desktop.security.permissions import ROLE_PERMISSIONS, Verb
from emr_desktop.server import authz
from emr_desktop.sync.rows import ENTITIES


def test_every_synced_entity_has_a_rule() -> None:
    covered = set(authz.ENTITY_CATEGORY) | authz.OPEN_TO_STAFF | authz.ALWAYS_ACCEPTED
    assert covered == set(ENTITIES)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("entity", sorted(authz.ENTITY_CATEGORY))
def test_hub_write_check_matches_role_table(role: Role, entity: str) -> None:
    row = {"id": "00000000-0000-0000-0000-000000000001", "patient_id": "p", "status": "draft"}
    category, verb = authz.required(entity, None, row)
    expected = (category, verb) in ROLE_PERMISSIONS[role]
    assert authz.allowed({role.value}, entity, None, row, set()) is expected


def test_signing_needs_the_sign_permission() -> None:
    current = {"id": "n1", "status": "draft", "signature_hash": None}
    signed = {**current, "status": "signed", "signature_hash": "ab" * 32}
    assert authz.required("clinical_note", current, signed)[1] is Verb.SIGN
    assert not authz.allowed({Role.NURSE.value}, "clinical_note", current, signed, set())
    assert authz.allowed({Role.PROVIDER.value}, "clinical_note", current, signed, set())


def test_own_password_change_without_user_management() -> None:
    me = "00000000-0000-0000-0000-0000000000aa"
    current = {"id": me, "password_hash": "old"}
    row = {"id": me, "password_hash": "new"}
    assert authz.allowed({Role.NURSE.value}, "user_account", current, row, set(), user=me,
                         changed={"password_hash"})
    assert not authz.allowed({Role.NURSE.value}, "user_account", current, {**row, "username": "x"}, set(),
                             user=me, changed={"password_hash", "username"})
    assert not authz.allowed({Role.NURSE.value}, "user_account", current, row, set(),
                             user="00000000-0000-0000-0000-0000000000bb", changed={"password_hash"})


def test_emergency_access_allows_clinical_writes_for_that_patient_only() -> None:
    row = {"id": "v1", "patient_id": "p1"}
    assert not authz.allowed({Role.FRONT_DESK.value}, "vital_sign", None, row, set())
    assert authz.allowed({Role.FRONT_DESK.value}, "vital_sign", None, row, {"p1"})
    assert not authz.allowed({Role.FRONT_DESK.value}, "vital_sign", None, {**row, "patient_id": "p2"}, {"p1"})
