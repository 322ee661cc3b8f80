"""Role changes: administrators only, audited with before and after, never removing the last
administrator; a changed role takes effect at the next log-in."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from emr_desktop.domain.errors import PermissionDenied, ValidationError
from emr_desktop.models import AuditEvent
from emr_desktop.security.permissions import Category, Verb, allows
from emr_desktop.services.registry import Services
from tests.conftest import TEST_PASSWORD


def test_set_roles(services: Services, admin: Any, provider: Any) -> None:
    nurse = services.users.create_user(admin, username="nurse.a", display_name="N", password=TEST_PASSWORD,
                                       roles=("nurse",))
    with pytest.raises(PermissionDenied):
        services.users.set_roles(provider, nurse.id, ("provider",))
    changed = services.users.set_roles(admin, nurse.id, ("nurse", "front_desk"))
    assert changed.roles == ("front_desk", "nurse")
    assert services.users.set_roles(admin, nurse.id, ("nurse",)).roles == ("nurse",)
    assert services.users.set_roles(admin, nurse.id, ("nurse", "front_desk")).roles == ("front_desk", "nurse")
    again = services.users.authenticate("nurse.a", TEST_PASSWORD)
    assert allows(again, Category.INSURANCE, Verb.WRITE)
    with services.db.read() as s:
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "role-change")
                            .order_by(AuditEvent.seq)).all()
        denied = s.scalars(select(AuditEvent.action).where(AuditEvent.outcome == "denied")).all()
    assert details == ["nurse -> front_desk,nurse", "front_desk,nurse -> nurse", "nurse -> front_desk,nurse"]
    assert denied == ["manage"]
    with pytest.raises(ValidationError, match="last active administrator"):
        services.users.set_roles(admin, admin.user_id, ("provider",))
    with pytest.raises(ValidationError, match="Choose"):
        services.users.set_roles(admin, nurse.id, ("wizard",))
