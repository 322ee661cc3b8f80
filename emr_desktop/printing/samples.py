"""Synthetic documents for tests, benchmarks and previews (made-up people, no real PHI)."""

from __future__ import annotations

from datetime import date, datetime

from emr_desktop.printing.data import (
    MedicationLine,
    PatientLine,
    PracticeHeader,
    Prescriber,
    PrescriptionData,
    VisitSummaryData,
)

PRACTICE = PracticeHeader(
    name="Riverside Family Medicine",
    address_lines=("1200 Maple Avenue, Suite 210", "Springfield, IL 62704"),
    phone="(217) 555-0142",
    fax="(217) 555-0143",
    npi="1234567893",
)

PRESCRIBER = Prescriber(name="Maria Alvarez", credentials="MD", npi="1245319599",
                        dea_number="BA1234563")

PATIENT = PatientLine(name="Elena Ordóñez", birth_date=date(1958, 3, 14), mrn="00412345",
                      address_lines=("48 Birch Lane", "Springfield, IL 62702"))

_MEDS = (
    ("Lisinopril 10 mg tablet", "Take 1 tablet by mouth once daily"),
    ("Metformin 500 mg tablet", "Take 1 tablet by mouth twice daily with meals"),
    ("Atorvastatin 20 mg tablet", "Take 1 tablet by mouth at bedtime"),
    ("Amlodipine 5 mg tablet", "Take 1 tablet by mouth once daily"),
    ("Levothyroxine 50 mcg tablet", "Take 1 tablet by mouth every morning on an empty stomach"),
    ("Omeprazole 20 mg capsule", "Take 1 capsule by mouth before breakfast"),
    ("Sertraline 50 mg tablet", "Take 1 tablet by mouth once daily"),
    ("Albuterol 90 mcg/actuation inhaler", "Inhale 2 puffs every 4-6 hours as needed for wheezing"),
)


def medications(count: int) -> tuple[MedicationLine, ...]:
    """``count`` medication lines cycling through started / changed / stopped / current."""
    changes = ("current", "current", "started", "changed", "current", "stopped")
    out = []
    for i in range(count):
        display, sig = _MEDS[i % len(_MEDS)]
        change = changes[i % len(changes)]
        note = {"started": "New today", "changed": "Dose increased", "stopped": "Side effects"}.get(
            change, "")
        out.append(MedicationLine(display=f"{display} (#{i + 1})" if count > len(_MEDS) else display,
                                  sig=sig, change=change, note=note))
    return tuple(out)


def visit_summary(patient: PatientLine = PATIENT, medication_count: int = 6) -> VisitSummaryData:
    return VisitSummaryData(
        practice=PRACTICE,
        patient=patient,
        visit_date=datetime(2025, 3, 4, 9, 30),
        provider="Maria Alvarez, MD",
        reason="Follow-up of high blood pressure and diabetes",
        vitals=(("Blood pressure", "142/88 mmHg"), ("Pulse", "76 /min"), ("Temperature", "98.4 °F"),
                ("Respiration", "16 /min"), ("SpO2", "97 %"), ("Weight", "182 lb"),
                ("Height", "5 ft 6 in"), ("BMI", "29.4 kg/m²")),
        problems_addressed=(("Essential (primary) hypertension", "I10"),
                            ("Type 2 diabetes mellitus without complications", "E11.9"),
                            ("Hyperlipidemia, unspecified", "E78.5")),
        medications=medications(medication_count),
        allergies=("Penicillin - hives", "Sulfa drugs - rash"),
        immunizations_given=("Influenza, quadrivalent, 0.5 mL IM left deltoid",),
        results_reviewed=(("Hemoglobin A1c", "7.4 %", "H"), ("LDL cholesterol", "96 mg/dL", ""),
                          ("Creatinine", "0.9 mg/dL", "")),
        plan="Increase lisinopril to 20 mg daily. Continue metformin. Recheck A1c in 3 months.",
        instructions="Check your blood pressure at home twice a week and write it down.\n"
                     "Call us if it is above 160/100 or you feel dizzy.",
        follow_up="Return in 3 months (early June) for a diabetes visit.",
        due=("Diabetic eye exam", "Colorectal cancer screening"),
    )


def prescription(*, patient: PatientLine = PATIENT, controlled: bool = False, drug: str = "",
                 number: int = 1) -> PrescriptionData:
    if controlled:
        return PrescriptionData(
            practice=PRACTICE, prescriber=PRESCRIBER, patient=patient,
            written_date=date(2025, 3, 4), drug=drug or "Oxycodone hydrochloride", strength="5 mg",
            form="tablet", sig="Take 1 tablet by mouth every 6 hours as needed for severe pain",
            quantity=12, quantity_unit="tablets", days_supply=3, refills=0,
            substitution_allowed=True, dea_schedule="II", prescription_id=f"RX-2025-{number:05d}")
    return PrescriptionData(
        practice=PRACTICE, prescriber=PRESCRIBER, patient=patient, written_date=date(2025, 3, 4),
        drug=drug or "Amoxicillin", strength="500 mg", form="capsule",
        sig="Take 1 capsule by mouth three times daily for 10 days",
        quantity=30, quantity_unit="capsules", days_supply=10, refills=1,
        substitution_allowed=number % 2 == 1, dea_schedule="",
        note_to_pharmacist="Patient prefers large-print label.",
        pharmacy="Main Street Pharmacy, (217) 555-0199", prescription_id=f"RX-2025-{number:05d}")
