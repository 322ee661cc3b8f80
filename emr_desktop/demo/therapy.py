"""Problems and treatment at a visit: diagnoses go on the problem list with first-line drugs,
planned changes happen (switches for side effects, add-ons when not at goal, stopping in
remission), acute visits get their short courses, long-term drugs are renewed yearly, and at the
end the medication list is written with each entry's final status."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from emr_desktop.demo.catalog import (
    ACUTE_DRUGS,
    ALLERGY_SUBSTITUTES,
    CHILD_SUBSTITUTES,
    CONDITIONS,
    DRUGS,
    FIRST_LINE,
    SWITCHES,
)
from emr_desktop.demo.context import (
    FOLLOW_UP,
    NURSE,
    PHYSICAL,
    TELEHEALTH,
    WELL_CHILD,
    Chart,
    DemoContext,
    MedCourse,
    VisitContext,
    weighted,
)
from emr_desktop.demo.notes import acute_advice
from emr_desktop.demo.rows import RowBuffer
from emr_desktop.domain.codes import RXNORM
from emr_desktop.domain.enums import EncounterType, MedicationStatus, PrescriptionStatus, ProblemStatus
from emr_desktop.domain.signing import prescription_hash
from emr_desktop.models import Medication, Prescription, Problem

PHARMACIES = ("Maple Grove Pharmacy (demo), (763) 555-0142",
              "Northside Drug #214 (demo), (763) 555-0177",
              "Cedar Pharmacy (demo), (612) 555-0119")
STATINS = ("atorva", "rosuva", "simva", "prava")
OVER_THE_COUNTER = frozenset({"loratadine_10", "omeprazole_20", "acetaminophen_325", "naproxen_220"})
#: Chance that a newly started drug is later switched (see catalog.SWITCHES for why).
SWITCH_CHANCE = {"lisinopril_10": 0.1, "metformin_500": 0.1, "sertraline_50": 0.12,
                 "escitalopram_10": 0.1, "hctz_25": 0.08, "naproxen_220": 0.1}
#: Drugs added later when a condition is not at goal -> the condition they treat.
ADD_ONS = {"glipizide_5": "diabetes", "insulin_glargine": "diabetes",
           "amlodipine_5": "hypertension", "tramadol_50": "osteoarthritis"}


class Therapy:
    def __init__(self, ctx: DemoContext, buffer: RowBuffer) -> None:
        self.ctx = ctx
        self.buffer = buffer

    def diagnose(self, c: Chart, visit: VisitContext, key: str) -> None:
        """Put a condition on the problem list and start its first-line treatment (for a condition
        that began before the chart, the drugs it was already on, prescribed elsewhere)."""
        state = c.conditions[key]
        day = visit.visit.day
        self._problem(c, visit, key, state.onset, state.resolved,
                      "Symptoms in remission" if state.resolved else "")
        visit.facts.assessments.append((key, "new diagnosis" if state.new else "stable"))
        visit.new.append(key)
        if key == "ckd3":
            nsaid = c.on_drug("naproxen", day) or c.on_drug("ibuprofen", day)
            if nsaid is not None:
                self._stop(c, visit, nsaid, "Avoid NSAIDs with chronic kidney disease")
        drugs = self._first_line(c, key)
        for drug in drugs:
            self._start(c, visit, drug, key, pre_existing=not state.new)
        if key == "depression" and state.resolved is not None:
            c.events.append((state.resolved, "remission", key))

    def _first_line(self, c: Chart, key: str) -> list[str]:
        rng = c.rng
        options = FIRST_LINE.get(key)
        if not options:
            return []
        if key == "hyperlipidemia" and rng.random() < 0.2:
            return []
        if key in ("depression", "anxiety") and any(
                m.drug.startswith(("sertraline", "escitalopram")) for m in c.meds if m.stop is None):
            return ["alprazolam_025"] if key == "anxiety" and rng.random() < 0.1 else []
        if key == "insomnia" and rng.random() < 0.5:
            return []
        first = rng.choice(options)
        if key == "osteoarthritis" and c.conditions.get("ckd3") is not None:
            first = "acetaminophen_325"
        drugs = [first]
        if key == "asthma" and rng.random() < 0.4:
            drugs.append("fluticasone_mdi")
        elif key == "copd":
            drugs.append("tiotropium")
        elif key == "afib":
            drugs.append("metoprolol_25")
        elif key == "anxiety" and rng.random() < 0.1:
            drugs.append("alprazolam_025")
        return drugs

    def _start(self, c: Chart, visit: VisitContext, drug_key: str, indication: str, *,
               pre_existing: bool = False) -> MedCourse:
        rng, day = c.rng, visit.visit.day
        drug = DRUGS[drug_key]
        reported = drug_key in OVER_THE_COUNTER and rng.random() < 0.4
        if pre_existing:
            begun = max(c.conditions[indication].onset + timedelta(days=rng.randint(7, 60)),
                        day - timedelta(days=rng.randint(200, 3000)))
            med = MedCourse(c.new_id(min(begun, day)), drug_key, indication, min(begun, day), None,
                            reported_by_patient=reported)
        else:
            med = MedCourse(c.new_id(visit.start), drug_key, indication, day,
                            None if reported else visit.provider.id, reported_by_patient=reported)
            visit.facts.plan.append(f"Start {drug.display}: {drug.sig}")
        c.meds.append(med)
        if not reported:
            self._prescribe(c, visit, med)
        switch = SWITCHES.get(drug_key)
        chance = SWITCH_CHANCE.get(drug_key, 0.0)
        if drug_key.startswith(STATINS):
            chance = 0.08
        state = c.conditions.get(indication)
        if drug_key == "amlodipine_5" and state is not None and state.control == 2:
            chance = 0.6
        if switch and rng.random() < (chance / 2 if pre_existing else chance):
            c.events.append((day + timedelta(days=rng.randint(30, 150)), "switch", drug_key))
        if not pre_existing and state is not None and state.control == 2:
            if indication == "diabetes":
                extra = "insulin_glargine" if rng.random() < 0.3 else "glipizide_5"
                c.events.append((day + timedelta(days=rng.randint(150, 300)), "add", extra))
            elif indication == "hypertension" and not drug_key.startswith("amlodipine"):
                c.events.append((day + timedelta(days=rng.randint(90, 200)), "add", "amlodipine_5"))
        if indication == "osteoarthritis" and rng.random() < 0.1:
            c.events.append((day + timedelta(days=rng.randint(150, 400)), "add", "tramadol_50"))
        return med

    def _stop(self, c: Chart, visit: VisitContext, med: MedCourse, reason: str) -> None:
        med.stop = visit.visit.day
        med.stop_reason = reason
        visit.facts.plan.append(f"Stop {DRUGS[med.drug].display}: {reason.lower()}.")

    def med_events(self, c: Chart, visit: VisitContext) -> None:
        """Changes planned earlier (switches for side effects, add-ons when not at goal, remission)
        happen at the first real visit once they are due."""
        day = visit.visit.day
        if visit.visit.kind in (NURSE, WELL_CHILD) or not c.events:
            return
        pending = []
        for due, action, subject in c.events:
            if due > day:
                pending.append((due, action, subject))
                continue
            if action == "switch":
                med = c.on_drug(subject, day)
                if med is not None:
                    replacement, why = SWITCHES[subject]
                    self._stop(c, visit, med, why)
                    self._start(c, visit, replacement, med.indication)
            elif action == "add":
                indication = ADD_ONS[subject]
                if c.has(indication, day) and c.on_drug(subject.split("_")[0], day) is None:
                    self._start(c, visit, subject, indication)
            elif action == "remission":
                for med in c.active_meds(day):
                    if med.indication == subject:
                        self._stop(c, visit, med, "Symptoms in remission; completed treatment")
        c.events = pending

    def acute(self, c: Chart, visit: VisitContext) -> None:
        """An acute visit's diagnosis (sometimes on the problem list, resolved) and its course,
        avoiding drugs the patient is allergic to."""
        rng, reason, day = c.rng, visit.visit.label, visit.visit.day
        visit.facts.assessments.append((reason, ""))
        if rng.random() < 0.3:
            resolved = day + timedelta(days=rng.randint(7, 28))
            self._problem(c, visit, reason, day, resolved if resolved < c.end else None,
                          "Resolved" if resolved < c.end else "")
        drug_key = weighted(rng, ACUTE_DRUGS.get(reason, (("", 1.0),)))
        age = c.age_on(day)
        if age < 12:
            drug_key = CHILD_SUBSTITUTES.get(drug_key, drug_key)
        elif drug_key == "amoxicillin_susp":
            drug_key = "amox_clav"
        for allergy, substitutes in ALLERGY_SUBSTITUTES.items():
            if c.allergies.get(allergy) == "active" and drug_key in substitutes:
                drug_key = substitutes[drug_key]
        if drug_key and (not DRUGS[drug_key].schedule or age >= 18):
            drug = DRUGS[drug_key]
            med = MedCourse(c.new_id(visit.start), drug_key, reason, day, visit.provider.id,
                            stop=day + timedelta(days=drug.days_supply), short_course=True)
            c.meds.append(med)
            self._prescribe(c, visit, med)
            visit.facts.plan.append(f"Prescribed {drug.display}: {drug.sig}")
        visit.facts.plan.append(acute_advice(reason))

    def _problem(self, c: Chart, visit: VisitContext, key: str, onset: date,
                 resolved: date | None, reason: str) -> None:
        condition = CONDITIONS[key]
        status = ProblemStatus.RESOLVED.value if resolved is not None else ProblemStatus.ACTIVE.value
        self.buffer.add(Problem, {
            "id": c.new_id(visit.start), "patient_id": c.id, "icd10_code": condition.icd10,
            "display": condition.display, "snomed_code": condition.snomed, "onset_date": onset,
            "resolved_date": resolved, "status": status, "status_reason": reason,
            "noted_by_id": visit.provider.id,
            "comment": "Diet and exercise counseling" if key in ("obesity", "prediabetes") else "",
        })

    def _prescribe(self, c: Chart, visit: VisitContext, med: MedCourse) -> None:
        rng = c.rng
        drug = DRUGS[med.drug]
        refills = 0 if drug.schedule == "II" or med.short_course else 1 if drug.schedule else 3
        signed_at = visit.end - timedelta(minutes=rng.randint(1, 8))
        old = (self.ctx.as_of - visit.visit.day).days > 14
        values: dict[str, Any] = {
            "id": c.new_id(signed_at), "patient_id": c.id, "medication_id": med.id,
            "encounter_id": visit.encounter_id, "prescriber_id": visit.provider.id,
            "drug_display": drug.display, "strength": drug.strength, "form": drug.form,
            "sig": drug.sig, "quantity": float(drug.quantity), "quantity_unit": drug.quantity_unit,
            "days_supply": drug.days_supply, "refills": refills,
            "substitution_allowed": rng.random() < 0.95, "dea_schedule": drug.schedule,
            "written_date": visit.visit.day, "signed_at": signed_at,
            "status": (PrescriptionStatus.PRINTED.value if old and rng.random() < 0.7
                       else PrescriptionStatus.SIGNED.value),
            "pharmacy": rng.choice(PHARMACIES),
            "note_to_pharmacist": ("Controlled substance: no early refills." if drug.schedule else ""),
        }
        values["signature_hash"] = prescription_hash(SimpleNamespace(**values))
        self.buffer.add(Prescription, values)
        med.last_rx = visit.visit.day

    def renewals(self, c: Chart, visit: VisitContext) -> None:
        """Yearly renewal of long-term medications at physicals and follow-ups."""
        if visit.visit.kind not in (PHYSICAL, FOLLOW_UP, TELEHEALTH, EncounterType.OFFICE_VISIT.value):
            return
        day = visit.visit.day
        for med in c.active_meds(day):
            if med.short_course or med.reported_by_patient:
                continue
            if med.last_rx is None or (day - med.last_rx).days >= 330:
                self._prescribe(c, visit, med)

    def medication_list(self, c: Chart) -> None:
        """Write every medication of the chart with its final status (active, stopped with the
        reason, completed short course)."""
        for med in c.meds:
            drug = DRUGS[med.drug]
            stop, reason = med.stop, med.stop_reason
            if med.short_course:
                status = (MedicationStatus.COMPLETED.value if stop is not None and stop <= self.ctx.as_of
                          else MedicationStatus.ACTIVE.value)
            elif stop is not None:
                status = MedicationStatus.STOPPED.value
            elif c.deceased is not None:
                status, stop, reason = MedicationStatus.STOPPED.value, c.deceased, "Patient deceased"
            else:
                status = MedicationStatus.ACTIVE.value
            condition = CONDITIONS.get(med.indication)
            self.buffer.add(Medication, {
                "id": med.id, "patient_id": c.id, "code_system": RXNORM if drug.rxcui else "",
                "code": drug.rxcui, "display": drug.display, "strength": drug.strength,
                "form": drug.form, "dose": drug.dose, "dose_unit": drug.dose_unit,
                "route": drug.route, "frequency": drug.frequency, "sig": drug.sig,
                "indication": condition.display if condition else "", "start_date": med.start,
                "stop_date": stop, "status": status, "status_reason": reason,
                "dea_schedule": drug.schedule, "prescriber_id": med.prescriber,
                "reported_by_patient": med.reported_by_patient,
            })
