"""Writes one patient's chart: registration, then every visit in date order (encounter, vitals,
diagnoses and treatment, labs, imaging, vaccines, the signed SOAP note), then the medication
list and the appointments still to come."""

from __future__ import annotations

import random
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

from emr_desktop.demo import planning
from emr_desktop.demo.catalog import CONDITIONS
from emr_desktop.demo.context import (
    ACUTE,
    FOLLOW_UP,
    LONG_VISITS,
    NURSE,
    PHYSICAL,
    TELEHEALTH,
    WELL_CHILD,
    Chart,
    DemoContext,
    Visit,
    VisitContext,
)
from emr_desktop.demo.measures import vital_signs
from emr_desktop.demo.notes import ACUTE as ACUTE_TEXT
from emr_desktop.demo.notes import NoteFacts, compose
from emr_desktop.demo.registration import register
from emr_desktop.demo.rows import RowBuffer
from emr_desktop.demo.schedule import (
    ScheduleBook,
    appointment_row,
    book_upcoming,
    missed_appointments,
    slot_minutes,
)
from emr_desktop.demo.therapy import Therapy
from emr_desktop.demo.vaccines import WELL_CHILD_AGES
from emr_desktop.demo.workup import Workup
from emr_desktop.domain.codes import VITALS
from emr_desktop.domain.enums import AppointmentStatus, EncounterStatus, NoteStatus
from emr_desktop.domain.signing import note_hash
from emr_desktop.models import Appointment, ClinicalNote, Encounter, VitalSign

VITAL_METHODS = {"systolic": "Sitting, left arm", "diastolic": "Sitting, left arm",
                 "temperature": "Oral", "spo2": "Finger probe, room air", "weight": "Standing scale",
                 "height": "Stadiometer"}
NOTE_TYPES = {PHYSICAL: "physical", WELL_CHILD: "well-child", NURSE: "nurse",
              TELEHEALTH: "telehealth"}


class ChartWriter:
    """Generates patients one at a time into a RowBuffer; deterministic per (seed, index)."""

    def __init__(self, ctx: DemoContext, buffer: RowBuffer, book: ScheduleBook, seed: int) -> None:
        self.ctx = ctx
        self.buffer = buffer
        self.book = book
        self.seed = seed
        self.therapy = Therapy(ctx, buffer)
        self.workup = Workup(ctx, buffer)

    def write_patient(self, index: int) -> None:
        """Patient number ``index`` of the run (its MRN is filled in when the batch is written)."""
        rng = random.Random(f"emr-demo:{self.seed}:{index}")
        chart, visits = register(self.ctx, self.buffer, rng, index)
        for visit in visits:
            self._visit(chart, visit)
        self.therapy.medication_list(chart)
        missed_appointments(self.ctx, chart, self.buffer)
        due, kind, reason = self._next_due(chart, visits)
        book_upcoming(self.ctx, self.book, chart, self.buffer, due, kind, reason)

    def _visit(self, c: Chart, v: Visit) -> None:
        ctx, rng, add = self.ctx, c.rng, self.buffer.add
        provider = c.provider if rng.random() < 0.85 else rng.choice(ctx.providers)
        nurse = rng.choice(ctx.nurses)
        start = ctx.at(v.day, slot_minutes(rng.randrange(24)))
        end = start + timedelta(minutes=40 if v.kind in LONG_VISITS else 15 if v.kind == NURSE else 20)
        reason = self._reason(c, v)
        appointment_id = None
        if (ctx.as_of - v.day).days <= 180:
            row = appointment_row(c, provider.id, start, (end - start).seconds // 60, v.kind,
                                  reason, AppointmentStatus.FULFILLED.value, rng)
            appointment_id = add(Appointment, row)["id"]
        encounter_id = c.new_id(start)
        add(Encounter, {
            "id": encounter_id, "patient_id": c.id, "encounter_type": v.kind, "start_time": start,
            "end_time": end, "provider_id": provider.id, "reason": reason,
            "status": EncounterStatus.FINISHED.value, "appointment_id": appointment_id,
            "location": "Video visit" if v.kind == TELEHEALTH else f"Exam room {rng.randint(1, 6)}",
        })
        facts = NoteFacts(kind=v.kind, label=v.label, companion=rng.choice(("mother", "father",
                                                                              "both parents")))
        facts.smoker = c.smoking.startswith("current") and (c.quit_day is None or c.quit_day > v.day)
        visit = VisitContext(v, encounter_id, start, end, provider, nurse, facts)
        for key in v.diagnose:
            self.therapy.diagnose(c, visit, key)
        if v.kind == ACUTE and v.label:
            self.therapy.acute(c, visit)
        self.therapy.med_events(c, visit)
        self._vitals(c, visit)
        results = self.workup.labs(c, visit)
        self.workup.imaging(c, visit)
        self.workup.immunize(c, visit)
        self.therapy.renewals(c, visit)
        self._assess(c, visit, results)
        self._note(c, visit, results)
        c.visits_done.append(v.day)

    def _reason(self, c: Chart, v: Visit) -> str:
        if v.kind == PHYSICAL:
            return "Annual physical"
        if v.kind == WELL_CHILD:
            return f"Well-child visit ({v.label})"
        if v.kind == NURSE:
            return "Flu vaccine"
        if v.kind == ACUTE and v.label:
            return ACUTE_TEXT[v.label][0]
        names = [CONDITIONS[k].display.split(",")[0] for k in c.conditions
                 if k in planning.FOLLOW_UP_DAYS and (c.has(k, v.day) or k in v.diagnose)]
        if not names:
            return "New patient visit" if not c.visits_done else "Office visit"
        return "Follow-up: " + ", ".join(names[:3]).lower()

    def _vitals(self, c: Chart, visit: VisitContext) -> None:
        rng, day = c.rng, visit.visit.day
        years = (day - c.start).days / 365.25
        values = vital_signs(c, day, visit.visit.kind, visit.visit.label, years, rng)
        visit.facts.vitals = values
        if not values:
            return
        taken_at = visit.start + timedelta(minutes=rng.randint(2, 9))
        panel = c.new_id(taken_at)
        child = c.age_days(day) < 2 * 365
        for key, value in values.items():
            kind = VITALS[key]
            method = VITAL_METHODS.get(key, "")
            if child and key == "weight":
                method = "Infant scale"
            elif child and key == "height":
                method = "Length board, recumbent"
            elif key == "temperature" and c.age_on(day) < 5:
                method = "Temporal"
            self.buffer.add(VitalSign, {
                "id": c.new_id(taken_at), "patient_id": c.id, "encounter_id": visit.encounter_id,
                "panel_id": panel, "loinc": kind.loinc, "value": float(value), "unit": kind.unit,
                "taken_at": taken_at, "taken_by_id": visit.nurse.id, "method": method,
            })

    def _assess(self, c: Chart, visit: VisitContext, results: dict[str, float]) -> None:
        day, kind = visit.visit.day, visit.visit.kind
        facts = visit.facts
        listed = {key for key, _ in facts.assessments}
        if kind in (PHYSICAL, FOLLOW_UP, TELEHEALTH) or kind == WELL_CHILD:
            for key in c.conditions:
                if key in listed or not c.has(key, day):
                    continue
                if kind in (FOLLOW_UP, TELEHEALTH) and key not in planning.FOLLOW_UP_DAYS:
                    continue
                facts.assessments.append((key, self._status(c, key, facts.vitals, results)))
        if kind == PHYSICAL:
            facts.assessments.insert(0, ("adult_exam", ""))
        elif kind == WELL_CHILD:
            facts.assessments.insert(0, ("well_child", ""))
        if kind in (PHYSICAL, FOLLOW_UP, TELEHEALTH) and c.active_meds(day):
            facts.plan.append("Continue other current medications as listed.")
        if kind == PHYSICAL and facts.smoker:
            facts.plan.append("Counseled on tobacco cessation; quit line information given.")
        if kind in (FOLLOW_UP, TELEHEALTH):
            months = 3 if c.has("diabetes", day) else 6
            facts.plan.append(f"Return in {months} months, sooner if needed.")
        elif kind == PHYSICAL:
            facts.plan.append("Return in 1 year for the next annual physical.")
        elif kind == WELL_CHILD:
            facts.plan.append("Anticipatory guidance given. Next well-child visit per schedule.")

    @staticmethod
    def _status(c: Chart, key: str, vitals: dict[str, float], results: dict[str, float]) -> str:
        if key == "hypertension" and "systolic" in vitals:
            at_goal = vitals["systolic"] < 135 and vitals["diastolic"] < 85
            return "at goal" if at_goal else "not at goal; adherence and home readings reviewed"
        if key == "diabetes" and "a1c" in results:
            return f"A1c {results['a1c']:.1f}%, {'at goal' if results['a1c'] < 7.0 else 'above goal'}"
        if key == "hyperlipidemia" and "ldl" in results:
            return f"LDL {results['ldl']:.0f} mg/dL"
        if key == "hypothyroidism" and "tsh" in results:
            return f"TSH {results['tsh']:.2f} m[IU]/L"
        return "stable"

    def _note(self, c: Chart, visit: VisitContext, results: dict[str, float]) -> None:
        rng = c.rng
        author = visit.nurse if visit.visit.kind == NURSE else visit.provider
        title, subjective, objective, assessment, plan = compose(rng, visit.facts)
        signed_at = visit.end + timedelta(minutes=rng.randint(5, 240))
        values: dict[str, Any] = {
            "id": c.new_id(visit.start), "patient_id": c.id, "encounter_id": visit.encounter_id,
            "author_id": author.id, "note_type": NOTE_TYPES.get(visit.visit.kind, "progress"),
            "title": title, "subjective": subjective, "objective": objective,
            "assessment": assessment, "plan": plan, "status": NoteStatus.SIGNED.value,
            "signed_at": signed_at, "signed_by_id": author.id, "addendum_to_id": None,
        }
        values["signature_hash"] = note_hash(SimpleNamespace(**values))
        self.buffer.add(ClinicalNote, values)
        if visit.resulted and rng.random() < 0.02:
            when = signed_at + timedelta(days=rng.randint(1, 3))
            if when.date() < self.ctx.as_of:
                addendum: dict[str, Any] = {
                    "id": c.new_id(when), "patient_id": c.id, "encounter_id": visit.encounter_id,
                    "author_id": author.id, "note_type": "addendum",
                    "title": f"Addendum to {title}"[:200], "subjective": "", "objective": "",
                    "assessment": "",
                    "plan": "Lab results reviewed and discussed with the patient by phone; "
                            "plan unchanged.",
                    "status": NoteStatus.SIGNED.value, "signed_at": when, "signed_by_id": author.id,
                    "addendum_to_id": values["id"],
                }
                addendum["signature_hash"] = note_hash(SimpleNamespace(**addendum))
                self.buffer.add(ClinicalNote, addendum)

    def _next_due(self, c: Chart, visits: list[Visit]) -> tuple[date, str, str]:
        """The next visit the chart calls for: chronic follow-up, physical or well-child check."""
        far = self.ctx.as_of + timedelta(days=400)
        options: list[tuple[date, str, str]] = []
        last = {v.kind: v.day for v in visits}
        followed = [k for k in c.conditions if k in planning.FOLLOW_UP_DAYS and c.has(k, self.ctx.as_of)]
        if followed:
            base = max(last.get(FOLLOW_UP, c.start), last.get(PHYSICAL, c.start))
            interval = min(planning.FOLLOW_UP_DAYS[k] for k in followed)
            names = ", ".join(CONDITIONS[k].display.split(",")[0].lower() for k in followed[:2])
            options.append((base + timedelta(days=interval), FOLLOW_UP, f"Follow-up: {names}"))
        age_days = c.age_days(self.ctx.as_of)
        if age_days < 18 * 365:
            upcoming = next(((a, label) for a, label in WELL_CHILD_AGES if a > age_days), None)
            if upcoming is not None:
                options.append((c.birth + timedelta(days=upcoming[0]), WELL_CHILD,
                                f"Well-child visit ({upcoming[1]})"))
        elif PHYSICAL in last:
            options.append((last[PHYSICAL] + timedelta(days=365), PHYSICAL, "Annual physical"))
        options.append((far, PHYSICAL, "Annual physical"))
        due = min(options)
        if due[0] < self.ctx.as_of:
            return self.ctx.as_of, due[1], due[2]
        return due
