"""Work-up at a visit: lab panels (ordered, collected, resulted, reviewed), imaging studies with
their reports, and vaccines (the childhood schedule, adult boosters, the seasonal flu shot)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from emr_desktop.demo.catalog import IMAGING, IMAGING_FACILITY, PERFORMING_LAB, RADIOLOGISTS
from emr_desktop.demo.context import (
    ACUTE,
    FOLLOW_UP,
    NURSE,
    PHYSICAL,
    WELL_CHILD,
    Chart,
    DemoContext,
    VisitContext,
)
from emr_desktop.demo.labs import PANELS, TESTS, egfr_mdrd, reference_range, reference_text
from emr_desktop.demo.measures import imaging_findings, lab_value, qualitative_result
from emr_desktop.demo.rows import RowBuffer
from emr_desktop.demo.therapy import STATINS
from emr_desktop.demo.vaccines import (
    CHILD_SCHEDULE,
    REFUSAL_REASONS,
    VACCINES,
    flu_cvx,
    injection_site,
    pcv_cvx,
)
from emr_desktop.domain.enums import ImmunizationKind, LabOrderStatus, ResultStatus
from emr_desktop.models import ImagingReport, Immunization, LabOrder, LabResult
from emr_desktop.services.orders import abnormal_flag

PANEL_NAMES = {"bmp": "basic metabolic panel", "cbc": "CBC", "lipid": "lipid panel",
               "a1c": "hemoglobin A1c", "tsh": "TSH", "uacr": "urine albumin/creatinine ratio",
               "alt": "ALT", "lead": "blood lead level", "hemoglobin": "hemoglobin",
               "strep": "rapid strep test", "urinalysis": "urine dipstick",
               "flu": "rapid influenza test"}
RAPID_TESTS = frozenset({"strep", "urinalysis", "flu"})
#: Panels ordered when a condition is newly diagnosed.
DIAGNOSTIC_PANELS = {"diabetes": ("a1c", "lipid", "bmp", "uacr"), "hypertension": ("bmp",),
                     "hyperlipidemia": ("lipid", "alt"), "hypothyroidism": ("tsh",),
                     "afib": ("cbc", "bmp", "tsh"), "ckd3": ("bmp", "uacr"),
                     "prediabetes": ("a1c",)}


class Workup:
    def __init__(self, ctx: DemoContext, buffer: RowBuffer) -> None:
        self.ctx = ctx
        self.buffer = buffer

    def labs(self, c: Chart, visit: VisitContext) -> dict[str, float]:
        """Order and result the panels due at the visit; returns numeric results by test key."""
        rng, day, ctx = c.rng, visit.visit.day, self.ctx
        panels = self._due_panels(c, visit)
        results: dict[str, float] = {}
        age = c.age_on(day)
        for key in panels:
            panel = PANELS[key]
            rapid = key in RAPID_TESTS
            ordered_at = visit.start + timedelta(minutes=rng.randint(10, 18))
            collected = ordered_at + timedelta(minutes=rng.randint(5, 15))
            if rapid:
                resulted = collected + timedelta(minutes=rng.randint(10, 20))
            else:
                resulted = ctx.at(day + timedelta(days=1), rng.randint(6 * 60, 11 * 60))
            reviewed = resulted + timedelta(hours=rng.randint(1, 30)) if not rapid else resulted
            if reviewed.date() > ctx.as_of:
                reviewed = None
            order_id = c.new_id(ordered_at)
            self.buffer.add(LabOrder, {
                "id": order_id, "patient_id": c.id, "encounter_id": visit.encounter_id,
                "ordered_by_id": visit.provider.id, "loinc": panel.loinc, "display": panel.display,
                "ordered_at": ordered_at, "status": LabOrderStatus.RESULTED.value,
                "placer_number": f"MGF{rng.randrange(10**7):07d}",
                "filler_number": "" if rapid else f"NRL-{rng.randrange(10**8):08d}",
                "performing_lab": "In-office point-of-care testing" if rapid else PERFORMING_LAB,
                "clinical_info": "Fasting" if key == "lipid" else "",
            })
            c.last_lab[key] = day
            for test_key in panel.tests:
                test = TESTS[test_key]
                if test.qualitative:
                    text = qualitative_result(test_key, visit.visit.label, rng)
                    numeric, low, high = None, None, None
                    flag = "A" if text == "Positive" else "N"
                    ref = "Negative"
                else:
                    if test_key == "egfr":
                        value = egfr_mdrd(results["creatinine"], age, c.sex)
                    elif test_key == "cholesterol":
                        value = lab_value(c, "ldl", day, rng)
                        results["ldl"] = round(value)
                        results["hdl"] = round(lab_value(c, "hdl", day, rng))
                        results["triglycerides"] = round(lab_value(c, "triglycerides", day, rng))
                        value = results["ldl"] + results["hdl"] + results["triglycerides"] / 5
                    elif test_key in ("ldl", "hdl", "triglycerides"):
                        value = results[test_key]
                    else:
                        value = lab_value(c, test_key, day, rng)
                    numeric = round(value, test.decimals) if test.decimals else float(round(value))
                    results[test_key] = numeric
                    text = f"{numeric:.{test.decimals}f}"
                    low, high = reference_range(test, c.sex, age)
                    flag = abnormal_flag(numeric, low, high)
                    ref = reference_text(low, high, test.decimals)
                self.buffer.add(LabResult, {
                    "id": c.new_id(collected), "patient_id": c.id, "order_id": order_id,
                    "loinc": test.loinc, "display": test.display, "value_text": text,
                    "value_numeric": numeric, "unit": test.unit, "reference_low": low,
                    "reference_high": high, "reference_text": ref, "abnormal_flag": flag,
                    "status": ResultStatus.FINAL.value, "collected_at": collected,
                    "resulted_at": resulted,
                    "performing_lab": "In-office point-of-care testing" if rapid else PERFORMING_LAB,
                    "reviewed_by_id": visit.provider.id if reviewed is not None else None,
                    "reviewed_at": reviewed,
                })
        if panels:
            visit.facts.plan.append("Labs today: " + ", ".join(PANEL_NAMES[k] for k in panels) + ".")
            visit.resulted = True
        return results

    def _due_panels(self, c: Chart, visit: VisitContext) -> list[str]:
        """Panels by visit type and problem list, at the intervals primary care uses."""
        day, kind, rng = visit.visit.day, visit.visit.kind, c.rng
        age = c.age_on(day)
        panels: list[str] = []

        def due(key: str, days: int) -> bool:
            last = c.last_lab.get(key)
            return last is None or (day - last).days >= days

        def want(key: str) -> None:
            if key not in panels:
                panels.append(key)

        has = c.has
        if kind == PHYSICAL and age >= 18:
            if due("cbc", 700):
                want("cbc")
            if (has("hypertension", day) or has("diabetes", day) or has("ckd3", day)) and due("bmp", 300) \
                    or age >= 40 and due("bmp", 1000):
                want("bmp")
            if (has("hyperlipidemia", day) or has("diabetes", day)) and due("lipid", 300) \
                    or age >= 40 and due("lipid", 1400) or age >= 20 and due("lipid", 1800) and rng.random() < 0.3:
                want("lipid")
            if has("prediabetes", day) and due("a1c", 300) or has("diabetes", day) and due("a1c", 80) \
                    or has("obesity", day) and age >= 35 and due("a1c", 1000):
                want("a1c")
            if has("hypothyroidism", day) and due("tsh", 300):
                want("tsh")
            if has("diabetes", day) and due("uacr", 300):
                want("uacr")
            if any(c.on_drug(s, day) for s in STATINS) and due("alt", 700):
                want("alt")
        elif kind == FOLLOW_UP:
            if has("diabetes", day) and due("a1c", 80):
                want("a1c")
            if has("ckd3", day) and due("bmp", 170):
                want("bmp")
        elif kind == WELL_CHILD and visit.visit.label in ("12 months", "24 months"):
            want("lead")
            if visit.visit.label == "12 months":
                want("hemoglobin")
        elif kind == ACUTE:
            reason = visit.visit.label
            if reason == "strep" or reason == "pharyngitis" and rng.random() < 0.7:
                want("strep")
            elif reason == "uti":
                want("urinalysis")
            elif reason == "influenza" and rng.random() < 0.6:
                want("flu")
        for key in visit.new:
            if c.conditions[key].new:
                for panel in DIAGNOSTIC_PANELS.get(key, ()):
                    want(panel)
        return panels

    def imaging(self, c: Chart, visit: VisitContext) -> None:
        """Screening (mammography, bone density) and diagnostic studies, with the radiologist's
        impression and report."""
        rng, day, kind = c.rng, visit.visit.day, visit.visit.kind
        age = c.age_on(day)
        female = c.sex == "female"
        studies: list[tuple[str, int]] = []  # (study, days after the visit; negative = before)

        def since(study: str) -> int:
            last = c.last_imaging.get(study)
            return 10**6 if last is None else (day - last).days

        if kind == PHYSICAL:
            if female and 40 <= age <= 74 and since("mammogram") > 330 and rng.random() < 0.65:
                studies.append(("mammogram", rng.randint(5, 25)))
            if (female and age >= 65 or not female and age >= 70 and rng.random() < 0.1) \
                    and since("dexa") > 700 and rng.random() < 0.5:
                studies.append(("dexa", rng.randint(5, 25)))
            if c.has("obesity", day) and rng.random() < 0.04:
                studies.append(("abdominal_us", rng.randint(3, 20)))
        for key in visit.new:
            if not c.conditions[key].new:
                continue
            if key == "osteoarthritis":
                studies.append(("knee_xray", 0))
            elif key == "copd":
                studies.append(("chest_xray", 0))
            elif key == "osteoporosis" and since("dexa") > 90:
                studies.append(("dexa", -rng.randint(10, 25)))
            elif key == "gerd" and rng.random() < 0.15:
                studies.append(("abdominal_us", rng.randint(3, 20)))
        if kind == ACUTE:
            if visit.visit.label == "ankle_sprain" and rng.random() < 0.5:
                studies.append(("ankle_xray", 0))
            elif visit.visit.label == "bronchitis" and rng.random() < 0.2:
                studies.append(("chest_xray", 0))
        for study_key, offset in studies:
            performed_day = day + timedelta(days=offset)
            if performed_day >= self.ctx.as_of or performed_day < c.birth:
                continue
            study = IMAGING[study_key]
            same_day = offset == 0
            performed = (visit.end + timedelta(minutes=rng.randint(10, 60)) if same_day
                         else self.ctx.at(performed_day, rng.randint(8 * 60, 16 * 60)))
            impression, report = imaging_findings(study_key, c, day, rng)
            site = study.body_site
            if study_key in ("knee_xray", "ankle_xray"):
                site = f"{rng.choice(('Left', 'Right'))} {site.lower()}"
            self.buffer.add(ImagingReport, {
                "id": c.new_id(performed), "patient_id": c.id,
                "encounter_id": visit.encounter_id if same_day else None,
                "modality": study.modality, "study_code": study.cpt, "study": study.study,
                "body_site": site, "performed_at": performed, "ordered_by_id": visit.provider.id,
                "radiologist": rng.choice(RADIOLOGISTS), "facility": IMAGING_FACILITY,
                "status": ResultStatus.FINAL.value, "impression": impression,
                "report_text": report,
            })
            c.last_imaging[study_key] = performed_day
            visit.facts.plan.append(f"Imaging: {study.study.split(',')[0]}"
                                    + ("" if offset <= 0 else " ordered") + ".")

    def immunize(self, c: Chart, visit: VisitContext) -> None:
        """Vaccines due at the visit: childhood doses at well-child checks, Tdap, pneumococcal and
        zoster for adults, the seasonal flu shot (given or declined)."""
        rng, day, kind = c.rng, visit.visit.day, visit.visit.kind
        age_days = c.age_days(day)
        age = c.age_on(day)
        given: list[str] = []
        if kind == WELL_CHILD:
            for due_age, code, dose in CHILD_SCHEDULE:
                if (code, dose) in c.vaccines or due_age > age_days + 14:
                    continue
                if code == "116" and age_days > 240:  # rotavirus: not after 8 months
                    c.vaccines[(code, dose)] = day
                    continue
                cvx = pcv_cvx(day) if code == "PCV" else code
                refuse = rng.random() < (0.08 if code == "165" else 0.015)
                self._vaccine(c, visit, cvx, dose, refused=refuse)
                c.vaccines[(code, dose)] = day
                if not refuse:
                    given.append(VACCINES[cvx].name)
        elif kind == PHYSICAL and age >= 19:
            last_tdap = c.vaccines.get(("115", 1))
            if (last_tdap is None or (day - last_tdap).days > 3650) and rng.random() < 0.3:
                self._vaccine(c, visit, "115", None)
                c.vaccines[("115", 1)] = day
                given.append("Tdap")
            if age >= 65 and ("PPSV", 1) not in c.vaccines and rng.random() < 0.45:
                self._vaccine(c, visit, "216", 1)
                c.vaccines[("PPSV", 1)] = day
                given.append("Pneumococcal conjugate PCV20")
        if age >= 50 and kind in (PHYSICAL, FOLLOW_UP):
            first = c.vaccines.get(("187", 1))
            if first is None and kind == PHYSICAL and rng.random() < 0.3 \
                    or first is not None and ("187", 2) not in c.vaccines and (day - first).days >= 56:
                dose = 1 if first is None else 2
                self._vaccine(c, visit, "187", dose)
                c.vaccines[("187", dose)] = day
                given.append("Zoster recombinant")
        if visit.visit.flu:
            refused = visit.visit.flu == "refused"
            self._vaccine(c, visit, flu_cvx(day, age), None, refused=refused)
            if not refused:
                given.append("Influenza")
            else:
                visit.facts.plan.append("Influenza vaccine offered and declined.")
        if given:
            visit.facts.plan.append("Vaccines given: " + ", ".join(given) + ". VIS provided.")
            if kind == NURSE:
                visit.facts.assessments.append(("immunization", ""))

    def _vaccine(self, c: Chart, visit: VisitContext, cvx: str, dose: int | None, *,
                 refused: bool = False) -> None:
        rng, day = c.rng, visit.visit.day
        vaccine = VACCINES[cvx]
        row: dict[str, Any] = {
            "id": c.new_id(visit.start + timedelta(minutes=25)), "patient_id": c.id,
            "encounter_id": visit.encounter_id, "cvx_code": cvx, "vaccine": vaccine.name,
            "occurrence_date": day, "dose_number": dose,
        }
        if refused:
            row.update(kind=ImmunizationKind.REFUSED.value, refusal_reason=rng.choice(REFUSAL_REASONS))
        else:
            site = "" if vaccine.route == "PO" else injection_site(c.age_days(day), rng.randrange(2))
            row.update(
                kind=ImmunizationKind.GIVEN.value,
                lot_number=f"{rng.choice('AEHKRTUWY')}{rng.choice('ABCDJKLMX')}{rng.randrange(10**4):04d}"
                           f"{rng.choice('ABC')}",
                expiration_date=day + timedelta(days=rng.randint(120, 540)),
                manufacturer=vaccine.manufacturer, site=site, route=vaccine.route,
                dose_ml=vaccine.dose_ml, administered_by_id=visit.nurse.id,
                vis_date=vaccine.vis_date,
            )
        self.buffer.add(Immunization, row)
