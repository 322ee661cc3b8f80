"""The chart banner: identity, allergies (recorded / NKA / not recorded), alerts, primary insurance."""

from __future__ import annotations

from datetime import date
from typing import Any

from emr_desktop.domain.enums import AllergyStatus
from emr_desktop.services.registry import Services
from emr_desktop.ui.chart.banner import ChartBanner, age_text
from tests.conftest import TEST_PASSWORD

TODAY = date(2026, 3, 10)


def _banner(qtbot: Any) -> ChartBanner:
    banner = ChartBanner(today=lambda: TODAY)
    qtbot.addWidget(banner)
    banner.resize(1100, 70)
    banner.show()
    return banner


def test_identity_and_allergy_states(qtbot: Any, services: Services, provider: Any) -> None:
    p = services.patients.register(provider, family_name="Bannerman", given_name="Bea", preferred_name="B",
                                   birth_date=date(1969, 3, 15), sex="female", pronouns="she/her")
    banner = _banner(qtbot)
    banner.show_chart(services.chart.load(provider, p.id))
    assert banner.name.text() == "Bannerman, Bea (B)"
    assert banner.details.text() == "56 y · Female · DOB 03/15/1969 · she/her"
    assert banner.mrn.text() == f"MRN {p.mrn}"
    assert banner.allergies.text() == "Allergies not recorded"
    assert banner.allergies.property("state") == "unknown"
    assert not banner.alerts.isVisible() and banner.coverage.text() == "No insurance on file"

    services.allergies.record_no_known_allergies(provider, p.id)
    banner.show_chart(services.chart.load(provider, p.id))
    assert banner.allergies.text() == "NKA (no known allergies)" and banner.allergies.property("state") == "nka"

    services.allergies.create(provider, patient_id=p.id, substance="Penicillin", reaction="hives",
                              severity="severe")
    a2 = services.allergies.create(provider, patient_id=p.id, substance="Latex")
    services.allergies.create(provider, patient_id=p.id, substance="Codeine")
    services.allergies.set_status(provider, a2.id, AllergyStatus.RESOLVED, "tolerated since 2020")
    banner.show_chart(services.chart.load(provider, p.id))
    assert banner.allergies.text() == "Allergies: Codeine, Penicillin"   # the resolved one is not listed
    assert banner.allergies.property("state") == "allergies"             # the stylesheet makes it red
    assert "Penicillin (hives, severe)" in banner.allergies.toolTip()
    for part, name in ((banner.name, "Patient name"), (banner.allergies, "Allergies"),
                       (banner.alerts, "Alerts"), (banner.mrn, "Medical record number"),
                       (banner.coverage, "Primary insurance"), (banner.sync, "Last synced")):
        assert part.accessibleName() == name


def test_alerts_coverage_sync_text_and_clear(qtbot: Any, services: Services, provider: Any,
                                             admin: Any) -> None:
    p = services.patients.register(provider, family_name="Alerton", given_name="Al", birth_date=date(1940, 1, 1),
                                   sex="male", alert_note="Hard of hearing - speak up", language="es",
                                   interpreter_needed=True)
    services.patients.update(provider, p.id, deceased_date=date(2026, 1, 5))
    services.coverages.create(admin, patient_id=p.id, priority="secondary", payer_name="Second Payer",
                              member_id="S1")
    services.coverages.create(admin, patient_id=p.id, priority="primary", payer_name="Medicare",
                              plan_name="Part B", member_id="1EG4TE5MK73")
    services.coverages.create(admin, patient_id=p.id, priority="primary", payer_name="Old Payer",
                              member_id="X", effective_to=date(2020, 1, 1))
    banner = _banner(qtbot)
    banner.set_sync_text("Last synced 10:42")
    banner.show_chart(services.chart.load(provider, p.id))
    assert banner.alerts.isVisible()
    assert banner.alerts.text() == "Alert: Deceased 01/05/2026 · Hard of hearing - speak up"
    assert banner.details.text().startswith("86 y · Male · DOB 01/01/1940")  # age at death
    assert "Interpreter: Spanish" in banner.details.text()
    assert banner.coverage.text() == "Medicare - Part B" and "1EG4TE5MK73" in banner.coverage.toolTip()
    assert banner.sync.text() == "Last synced 10:42"
    banner.clear()
    for part in (banner.name, banner.details, banner.mrn, banner.allergies, banner.alerts, banner.coverage):
        assert part.text() == "" and part.toolTip() == ""
    assert banner.sync.text() == "Last synced 10:42"  # no PHI in it


def test_withheld_allergies_are_not_called_unrecorded(qtbot: Any, services: Services, provider: Any,
                                                      admin: Any) -> None:
    p = services.patients.register(provider, family_name="Hidden", given_name="Hal", birth_date=date(1980, 1, 1),
                                   sex="male")
    services.allergies.create(provider, patient_id=p.id, substance="Peanut")
    services.users.create_user(admin, username="billy", display_name="Bill Ing", password=TEST_PASSWORD,
                               roles=("billing",))
    billing = services.users.authenticate("billy", TEST_PASSWORD)
    banner = _banner(qtbot)
    banner.show_chart(services.chart.load(billing, p.id))
    assert banner.allergies.text() == "Allergies: not available to your role"
    assert "Peanut" not in banner.allergies.text()


def test_age_text() -> None:
    assert age_text(date(2026, 3, 1), TODAY) == "9 d"
    assert age_text(date(2025, 12, 10), TODAY) == "3 mo"
    assert age_text(date(2024, 3, 11), TODAY) == "23 mo"
    assert age_text(date(2024, 3, 10), TODAY) == "2 y"
    assert age_text(date(2027, 1, 1), TODAY) == ""
