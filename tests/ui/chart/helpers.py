"""Set-up shared by the chart tab tests."""

from __future__ import annotations

from typing import Any, TypeVar

from emr_desktop.domain.actor import Actor
from emr_desktop.domain.enums import Role
from emr_desktop.domain.records import PatientDTO
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.base import ChartContext, ChartTab
from emr_desktop.ui.tasks import TaskRunner
from tests.conftest import TEST_PASSWORD

TabT = TypeVar("TabT", bound=ChartTab)


def open_tab(qtbot: Any, tab_class: type[TabT], services: Services, actor: Any, patient: PatientDTO, *,
             staff_names: bool = False, shown: bool = False) -> tuple[TabT, ChartContext]:
    """A tab showing the patient's chart, reloaded after each save as the chart view does it.
    ``staff_names``: wait until staff names are known; ``shown``: show it at 1100x600."""
    ctx = ChartContext(services, TaskRunner(), actor)
    if staff_names:
        qtbot.waitUntil(lambda: ctx.staff_known)
    tab = tab_class(ctx)
    qtbot.addWidget(tab)
    ctx.sig_chart_changed.connect(lambda pid: tab.set_chart(services.chart.load(actor, pid)))
    if shown:
        tab.resize(1100, 600)
        tab.show()
    tab.set_chart(services.chart.load(actor, patient.id))
    return tab, ctx


def staff_user(services: Services, admin: Actor, role: Role) -> Actor:
    """A logged-in user holding just ``role`` (user name e.g. "nurse1")."""
    username = f"{role.value}1"
    services.users.create_user(admin, username=username, display_name=f"Test {role.value}",
                               password=TEST_PASSWORD, roles=(role.value,))
    return services.users.authenticate(username, TEST_PASSWORD)
