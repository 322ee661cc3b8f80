"""Staff names for the chart (who wrote, signed, prescribed): any signed-in user, names only."""

from __future__ import annotations

import pytest

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.errors import PermissionDenied
from emr_desktop.services.registry import Services
from tests.conftest import TEST_PASSWORD


def test_any_signed_in_user_reads_staff_names_including_past_staff(services: Services, admin: Actor,
                                                                   provider: Actor) -> None:
    desk = services.users.create_user(admin, username="desk", display_name="Front Desk",
                                      password=TEST_PASSWORD, roles=("front_desk",))
    services.users.set_active(admin, desk.id, False, reason="left the practice")
    nurse_dto = services.users.create_user(admin, username="nurse", display_name="Nora Nurse",
                                           password=TEST_PASSWORD, roles=("nurse",))
    nurse = services.users.authenticate("nurse", TEST_PASSWORD)
    names = services.users.staff_directory(nurse)
    assert names[provider.user_id] == "Dana Smith, MD"
    assert names[desk.id] == "Front Desk" and names[nurse_dto.id] == "Nora Nurse"
    with pytest.raises(PermissionDenied):
        services.users.list_users(nurse)      # the full account list stays with administrators


def test_nobody_reads_staff_names_without_logging_in(services: Services) -> None:
    anonymous = Actor(user_id=None, username="", roles=frozenset())
    with pytest.raises(PermissionDenied):
        services.users.staff_directory(anonymous)
