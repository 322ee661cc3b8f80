"""The role table itself: documented exactly, and shaped as the issue asks."""

from __future__ import annotations

import uuid
from pathlib import Path

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.security.permissions import (
    CLINICAL,
    ROLE_PERMISSIONS,
    Category,
    Verb,
    allows,
    markdown_table,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _actor(*roles: str, emergency: frozenset[uuid.UUID] = frozenset()) -> Actor:
    return Actor(user_id=uuid.uuid4(), username="u", roles=frozenset(roles), emergency_patients=emergency)


def test_docs_table_is_generated_from_the_code() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown_table(), (
        "regenerate: python -m emr_desktop.security.permissions > docs/permissions.md")


def test_every_role_has_an_entry() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_role_shapes() -> None:
    front, nurse, doc, billing, admin = (_actor(r.value) for r in (
        Role.FRONT_DESK, Role.NURSE, Role.PROVIDER, Role.BILLING, Role.ADMIN))
    assert allows(front, Category.DEMOGRAPHICS, Verb.WRITE) and allows(front, Category.INSURANCE, Verb.WRITE)
    assert not allows(front, Category.NOTE, Verb.READ)
    assert allows(nurse, Category.NOTE, Verb.WRITE) and not allows(nurse, Category.NOTE, Verb.SIGN)
    assert allows(nurse, Category.VITALS, Verb.WRITE) and not allows(nurse, Category.PRESCRIPTION, Verb.WRITE)
    assert all(allows(doc, c, Verb.WRITE) for c in CLINICAL)
    assert allows(doc, Category.NOTE, Verb.SIGN) and allows(doc, Category.PRESCRIPTION, Verb.SIGN)
    assert allows(billing, Category.BILLING, Verb.WRITE) and not allows(billing, Category.NOTE, Verb.READ)
    assert allows(admin, Category.USERS, Verb.MANAGE) and not allows(admin, Category.NOTE, Verb.READ)
    assert not any(allows(r, Category.USERS, Verb.MANAGE) for r in (front, nurse, doc, billing))
    assert allows(_actor(Role.ADMIN.value, Role.PROVIDER.value), Category.NOTE, Verb.SIGN)  # roles add up
    assert not allows(_actor("unknown-role"), Category.DEMOGRAPHICS, Verb.READ)


def test_emergency_access_is_per_chart_and_never_signs() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    front = _actor(Role.FRONT_DESK.value).with_emergency_access(a)
    assert allows(front, Category.NOTE, Verb.READ, a) and allows(front, Category.NOTE, Verb.WRITE, a)
    assert not allows(front, Category.NOTE, Verb.READ, b)
    assert not allows(front, Category.NOTE, Verb.READ, None)
    assert not allows(front, Category.NOTE, Verb.SIGN, a)
    assert not allows(front, Category.USERS, Verb.MANAGE, a)


def test_system_actor_is_not_a_person() -> None:
    system = Actor.system()
    assert system.is_system and allows(system, Category.NOTE, Verb.SIGN)
    impostor = Actor(user_id=uuid.uuid4(), username="system", roles=frozenset({"system"}))
    assert not impostor.is_system and not allows(impostor, Category.NOTE, Verb.READ)
