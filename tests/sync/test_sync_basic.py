from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.sync.harness import first_workstation, hub_export, make_hub, new_workstation


def test_two_workstations_converge(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a = first_workstation(hub, tmp_path / "a")
    b = new_workstation(hub, tmp_path / "b")
    assert a.export() == b.export() == hub_export(hub)
    doc = a.login("doc")
    p = a.services.patients.register(doc, family_name="Testperson", given_name="Ana",
                                     birth_date=date(1980, 1, 2), sex="female")
    a.sync()
    b.sync()
    assert a.export() == b.export() == hub_export(hub)
    assert b.services.patients.get(b.login("doc"), p.id).family_name == "Testperson"


def test_concurrent_demographic_edit_keeps_both_values(tmp_path: Path) -> None:
    import json

    from sqlalchemy import select

    from emr_desktop.models import SyncConflict

    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a = first_workstation(hub, tmp_path / "a")
    b = new_workstation(hub, tmp_path / "b")
    doc_a = a.login("doc")
    p = a.services.patients.register(doc_a, family_name="Testperson", given_name="Ana",
                                     birth_date=date(1980, 1, 2), sex="female")
    a.sync()
    b.sync()
    doc_b = b.login("doc")
    a.services.patients.update(doc_a, p.id, phone_mobile="555-0101")
    b.services.patients.update(doc_b, p.id, phone_mobile="555-0202")
    a.sync()
    rb = b.sync()
    a.sync()
    assert rb.conflicts == 1
    assert a.export() == b.export() == hub_export(hub)
    with a.db.read() as s:
        conflicts = s.execute(select(SyncConflict.kept_values, SyncConflict.other_values)).all()
    assert len(conflicts) == 1
    kept, other = conflicts[0]
    values = {json.loads(kept)["phone_mobile"], json.loads(other)["phone_mobile"]}
    assert values == {"555-0101", "555-0202"}


def test_emergency_access_write_is_accepted_by_the_hub_and_other_writes_are_not(tmp_path: Path) -> None:
    hub = make_hub(f"sqlite:///{tmp_path / 'hub.db'}")
    a = first_workstation(hub, tmp_path / "a")
    doc = a.login("doc")
    p1 = a.services.patients.register(doc, family_name="Glass", given_name="Break",
                                      birth_date=date(1970, 5, 5), sex="male")
    p2 = a.services.patients.register(doc, family_name="Other", given_name="Chart",
                                      birth_date=date(1971, 6, 6), sex="female")
    a.sync()
    desk = a.services.access.grant_emergency_access(a.login("desk"), p1.id,
                                                    "patient collapsed at the front desk")
    a.services.vitals.record(desk, p1.id, pulse=120)
    report = a.sync()
    assert report.quarantined == 0
    # the hub re-checks: the same workstation claiming a clinical write for another chart is refused
    from emr_desktop.models import VitalSign
    from emr_desktop.models.base import new_id

    with a.db.unit_of_work(desk.user_id) as s:
        v = s.query(VitalSign).filter_by(patient_id=p1.id).first()
        s.add(VitalSign(id=new_id(), patient_id=p2.id, panel_id=new_id(), loinc=v.loinc, value=99,
                        unit=v.unit, taken_at=v.taken_at, taken_by_id=desk.user_id))
    report = a.sync()
    assert report.quarantined == 1
