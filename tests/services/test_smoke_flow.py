from datetime import date

from emr_desktop.domain.enums import AdministrativeSex


def test_register_search_chart(services, admin, provider):
    p = services.patients.register(admin, family_name="Ordóñez", given_name="María",
                                   birth_date=date(1980, 5, 17), sex=AdministrativeSex.FEMALE.value,
                                   phone_mobile="(555) 201-3344")
    assert len(p.mrn) == 8
    assert [r.id for r in services.patients.search(admin, "ordon")] == [p.id]
    enc = services.encounters.start(provider, p.id, "office-visit", reason="BP check")
    services.vitals.record(provider, p.id, encounter_id=enc.id, systolic=142, diastolic=91,
                           height=165, weight=70)
    note = services.notes.create(provider, patient_id=p.id, encounter_id=enc.id, subjective="Feels ok")
    signed = services.notes.sign(provider, note.id)
    assert services.notes.verify_signature(signed)
    chart = services.chart.load(provider, p.id)
    assert len(chart.vitals) == 5
    assert chart.notes[0].status == "signed"
