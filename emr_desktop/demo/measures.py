"""Values that follow a patient's state over time: vital signs (growth curves for children,
blood pressure that answers to treatment, weight drift), lab results, imaging findings."""

from __future__ import annotations

import bisect
import math
import random
from datetime import date

from emr_desktop.demo.context import Chart, gauss
from emr_desktop.demo.labs import creatinine_for_egfr

# Median length/height (cm), weight (kg) and head circumference (cm) by age in years, from the
# CDC/WHO growth charts (rounded); values in between are interpolated.
_AGES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0,
         13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 20.0)
_HEIGHT = {
    "male": (49.9, 61.4, 67.6, 72.0, 75.7, 82.3, 87.1, 95.3, 102.5, 109.2, 115.5, 121.9, 128.0,
             133.3, 138.4, 143.5, 149.1, 156.2, 163.8, 170.1, 173.4, 175.2, 176.1, 176.8),
    "female": (49.1, 59.8, 65.7, 70.1, 74.0, 80.7, 85.7, 94.1, 101.6, 108.4, 115.1, 121.8, 127.8,
               133.2, 138.6, 144.8, 151.2, 156.7, 159.8, 161.7, 162.5, 162.9, 163.2, 163.3),
}
_WEIGHT = {
    "male": (3.3, 6.4, 7.9, 8.9, 9.6, 10.9, 12.2, 14.3, 16.3, 18.4, 20.7, 23.0, 25.6, 28.6, 32.0,
             35.6, 40.0, 45.3, 50.8, 56.0, 60.8, 64.4, 67.2, 70.6),
    "female": (3.2, 5.8, 7.3, 8.2, 8.9, 10.2, 11.5, 13.9, 16.0, 18.0, 20.2, 22.4, 25.0, 28.2, 31.9,
               36.0, 40.5, 44.6, 48.0, 50.6, 52.5, 53.8, 54.6, 55.5),
}
_HC_AGES = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
_HEAD = {"male": (34.5, 40.5, 43.3, 45.0, 46.1, 47.4, 48.3),
         "female": (33.9, 39.5, 42.2, 43.8, 45.0, 46.2, 47.2)}
FEBRILE = frozenset({"strep", "otitis", "influenza", "bronchitis", "sinusitis", "gastroenteritis"})
PAINFUL = {"ankle_sprain": (4, 8), "back_pain": (4, 8), "otitis": (2, 6), "strep": (3, 6),
           "pharyngitis": (2, 5), "uti": (2, 5), "dermatitis": (1, 3)}


def _interp(ages: tuple[float, ...], values: tuple[float, ...], age: float) -> float:
    if age <= ages[0]:
        return values[0]
    if age >= ages[-1]:
        return values[-1]
    i = bisect.bisect_right(ages, age)
    a0, a1 = ages[i - 1], ages[i]
    return values[i - 1] + (values[i] - values[i - 1]) * (age - a0) / (a1 - a0)


def _sex(chart: Chart) -> str:
    return "female" if chart.sex == "female" else "male"


def height_cm(chart: Chart, age: float) -> float:
    median = _interp(_AGES, _HEIGHT[_sex(chart)], age)
    shrink = max(0.0, age - 60) * 0.12
    return median * (1 + 0.04 * chart.height_z) - shrink


def weight_kg(chart: Chart, age: float, years_in_chart: float, rng: random.Random) -> float:
    if age < 18:
        return _interp(_AGES, _WEIGHT[_sex(chart)], age) * math.exp(0.12 * chart.weight_z) * rng.uniform(0.985, 1.015)
    h = height_cm(chart, age) / 100
    return max(35.0, chart.bmi0 * h * h + chart.weight_slope * years_in_chart + rng.gauss(0, 0.7))


def blood_pressure(chart: Chart, day: date, age: float, rng: random.Random) -> tuple[float, float]:
    state = chart.conditions.get("hypertension")
    if age < 13:
        systolic = gauss(rng, 96 + age * 1.2, 6, 84, 122)
        diastolic = gauss(rng, 58 + age * 0.8, 5, 48, 78)
        return round(systolic), round(diastolic)
    if state is None or state.noted is None or day < state.onset:
        systolic = gauss(rng, 108 + 0.22 * age, 6, 96, 136)
    elif day < state.noted:
        systolic = gauss(rng, chart.htn_base - 6, 5, 128, 170)
    else:
        months = (day - state.noted).days / 30.4
        target = (124.0, 134.0, 147.0)[state.control]
        systolic = target + (chart.htn_base - target) * math.exp(-months / 4) + rng.gauss(0, 5)
    diastolic = 0.5 * systolic + 16 + rng.gauss(0, 4)
    diastolic = min(diastolic, systolic - 25)
    return round(systolic), round(max(50.0, diastolic))


def vital_signs(chart: Chart, day: date, kind: str, reason: str, years_in_chart: float,
                rng: random.Random) -> dict[str, float]:
    """One vitals panel for a visit (canonical units), following VITALS keys."""
    if kind == "telehealth":
        return {}
    age = chart.age_days(day) / 365.25
    values: dict[str, float] = {}
    if kind == "nurse-visit":
        values["temperature"] = round(gauss(rng, 36.7, 0.2, 36.1, 37.3), 1)
        return values
    if age >= 3:
        values["systolic"], values["diastolic"] = blood_pressure(chart, day, age, rng)
    if age < 1:
        pulse = gauss(rng, 132, 10, 105, 160)
    elif age < 4:
        pulse = gauss(rng, 110, 9, 85, 135)
    elif age < 12:
        pulse = gauss(rng, 90, 9, 70, 115)
    elif chart.has("afib", day):
        pulse = gauss(rng, 84, 11, 58, 118)
    else:
        pulse = gauss(rng, 74, 8, 54, 98)
    febrile = reason in FEBRILE and rng.random() < 0.6
    values["pulse"] = round(pulse + (12 if febrile else 0))
    if age < 1:
        resp = gauss(rng, 36, 4, 28, 48)
    elif age < 4:
        resp = gauss(rng, 28, 3, 22, 36)
    elif age < 12:
        resp = gauss(rng, 21, 2, 16, 26)
    else:
        resp = gauss(rng, 18 if chart.has("copd", day) else 15, 1.5, 11, 24)
    if kind == "acute" or age < 12 or age >= 65 or chart.has("copd", day) or chart.has("asthma", day) \
            or rng.random() < 0.4:
        values["respiration"] = round(resp)
    values["temperature"] = round(gauss(rng, 38.5, 0.4, 37.9, 39.6) if febrile
                                  else gauss(rng, 36.8, 0.2, 36.2, 37.4), 1)
    if chart.has("copd", day):
        spo2 = gauss(rng, 93, 1.5, 88, 97)
    elif reason in ("bronchitis", "influenza"):
        spo2 = gauss(rng, 96, 1.2, 93, 99)
    else:
        spo2 = gauss(rng, 98, 1, 95, 100)
    if age >= 1:
        values["spo2"] = round(spo2)
    weight = weight_kg(chart, age, years_in_chart, rng)
    values["weight"] = round(weight, 2 if age < 2 else 1)
    measure_height = age < 18 and kind == "well-child" or kind == "annual-physical" or not chart.visits_done
    if measure_height:
        height = height_cm(chart, age)
        values["height"] = round(height, 1)
        if age >= 2:
            values["bmi"] = round(values["weight"] / (values["height"] / 100) ** 2, 1)
    if age < 2 and kind == "well-child":
        median = _interp(_HC_AGES, _HEAD[_sex(chart)], age)
        values["head_circumference"] = round(median * (1 + 0.03 * chart.height_z) + rng.gauss(0, 0.3), 1)
    arthritis = chart.has("osteoarthritis", day)
    if age >= 5 and (kind in ("acute", "annual-physical") or arthritis):
        low, high = PAINFUL.get(reason, (1, 5) if arthritis else (0, 0))
        values["pain"] = float(rng.randint(low, high))
    return values


# --- labs -------------------------------------------------------------------------------------

def _trend(base: float, target: float, months: float) -> float:
    return target + (base - target) * math.exp(-months / 4)


def lab_value(chart: Chart, test: str, day: date, rng: random.Random) -> float:
    """A plausible numeric result for ``test`` given the patient's conditions on ``day``."""
    age = chart.age_on(day)
    female = chart.sex == "female"
    conditions = chart.conditions

    def months_since(key: str) -> float:
        state = conditions[key]
        return max(0.0, (day - (state.noted or day)).days / 30.4)

    if test == "a1c":
        if chart.has("diabetes", day):
            state = conditions["diabetes"]
            target = (6.7, 7.4, 8.8)[state.control]
            base = chart.a1c_base if state.new else target + 0.3
            return _trend(base, target, months_since("diabetes")) + rng.gauss(0, 0.2)
        if chart.has("prediabetes", day):
            return rng.uniform(5.7, 6.4)
        return gauss(rng, 5.2, 0.22, 4.5, 5.7)
    if test == "glucose":
        if chart.has("diabetes", day):
            a1c = lab_value(chart, "a1c", day, rng)
            return 28.7 * a1c - 46.7 + rng.gauss(0, 14)
        return gauss(rng, 89, 7, 68, 112)
    if test == "ldl":
        if chart.has("hyperlipidemia", day):
            state = conditions["hyperlipidemia"]
            if chart.on_drug("atorva", day) or chart.on_drug("rosuva", day) or \
                    chart.on_drug("simva", day) or chart.on_drug("prava", day):
                target = (78.0, 102.0, 132.0)[state.control]
                return _trend(chart.ldl_base, target, months_since("hyperlipidemia")) + rng.gauss(0, 8)
            return chart.ldl_base + rng.gauss(0, 10)
        return gauss(rng, 104, 20, 55, 158)
    if test == "hdl":
        return gauss(rng, 58, 10, 32, 95) if female else gauss(rng, 46, 8, 28, 80)
    if test == "triglycerides":
        mean = 165 if chart.has("diabetes", day) else 125
        return gauss(rng, mean, 40, 45, 420)
    if test == "tsh":
        if chart.has("hypothyroidism", day):
            state = conditions["hypothyroidism"]
            months = months_since("hypothyroidism")
            if state.new and months < 1:
                return chart.tsh_base
            roll = rng.random()
            if roll < 0.08:
                return rng.uniform(4.7, 7.5)
            if roll < 0.12:
                return rng.uniform(0.2, 0.42)
            return gauss(rng, 2.1, 0.8, 0.6, 4.3)
        return math.exp(gauss(rng, 0.55, 0.35, -0.4, 1.45))
    if test == "creatinine":
        if chart.has("ckd3", day):
            years = months_since("ckd3") / 12
            egfr = max(31.0, chart.egfr_base - 1.2 * years + rng.gauss(0, 2.5))
            return creatinine_for_egfr(egfr, age, chart.sex)
        return gauss(rng, 0.78, 0.1, 0.55, 1.05) if female else gauss(rng, 0.98, 0.12, 0.7, 1.3)
    if test == "bun":
        return gauss(rng, 28, 5, 19, 42) if chart.has("ckd3", day) else gauss(rng, 14, 3, 7, 22)
    if test == "sodium":
        if chart.on_drug("hctz", day) and rng.random() < 0.1:
            return rng.uniform(131.5, 135.4)
        return gauss(rng, 140, 1.8, 135, 145)
    if test == "potassium":
        raised = chart.has("ckd3", day) and (chart.on_drug("lisinopril", day) or chart.on_drug("losartan", day))
        return gauss(rng, 4.8, 0.3, 4.0, 5.8) if raised else gauss(rng, 4.2, 0.3, 3.4, 5.0)
    if test == "hemoglobin":
        if age < 12:
            return gauss(rng, 12.1, 0.7, 10.0, 14.0)
        value = gauss(rng, 13.5, 0.9, 11.0, 16.0) if female else gauss(rng, 15.0, 0.9, 12.5, 17.5)
        return value - (1.4 if chart.has("ckd3", day) else 0.0)
    if test == "wbc":
        return gauss(rng, 6.8, 1.5, 3.1, 12.5)
    if test == "platelets":
        return gauss(rng, 255, 55, 120, 450)
    if test == "uacr":
        state = conditions.get("diabetes")
        median = 45.0 if state is not None and state.control == 2 else 12.0
        return min(600.0, math.exp(math.log(median) + rng.gauss(0, 0.6)))
    if test == "alt":
        return gauss(rng, 24, 8, 8, 75)
    if test == "lead":
        return rng.uniform(3.5, 6.5) if rng.random() < 0.03 else rng.uniform(0.7, 2.6)
    raise KeyError(test)


def qualitative_result(test: str, reason: str, rng: random.Random) -> str:
    positive = {
        "strep": reason == "strep",
        "nitrite": reason == "uti" and rng.random() < 0.75,
        "leukocyte_esterase": reason == "uti",
        "flu_a": reason == "influenza" and rng.random() < 0.75,
    }.get(test, False)
    return "Positive" if positive else "Negative"


# --- imaging ------------------------------------------------------------------------------------

def imaging_findings(study: str, chart: Chart, day: date, rng: random.Random) -> tuple[str, str]:
    """(impression, report text) for a study."""
    if study == "mammogram":
        roll = rng.random()
        if roll < 0.75:
            impression = "BI-RADS 1: Negative."
            body = "No suspicious masses, calcifications or architectural distortion."
        elif roll < 0.95:
            impression = "BI-RADS 2: Benign findings."
            body = "Stable benign-appearing calcifications in the left breast. No suspicious findings."
        else:
            impression = "BI-RADS 0: Incomplete. Additional imaging evaluation recommended."
            body = "Possible asymmetry in the right upper outer quadrant; diagnostic views advised."
        density = rng.choice(("scattered fibroglandular densities", "heterogeneously dense tissue",
                              "almost entirely fatty tissue"))
        return impression, f"Bilateral screening mammogram with tomosynthesis. The breasts show {density}. {body}"
    if study == "dexa":
        if chart.conditions.get("osteoporosis") is not None:
            t_score = round(rng.uniform(-3.4, -2.5), 1)
        else:
            t_score = round(rng.uniform(-2.4, 0.8), 1)
        category = ("osteoporosis" if t_score <= -2.5 else "osteopenia" if t_score < -1.0
                    else "normal bone density")
        impression = f"Lowest T-score {t_score} at the left femoral neck: {category}."
        return impression, (f"DXA of the lumbar spine (L1-L4) and left hip. L1-L4 T-score "
                            f"{round(t_score + rng.uniform(0, 0.6), 1)}; femoral neck T-score {t_score}. "
                            f"WHO classification: {category}.")
    if study == "knee_xray":
        return ("Moderate medial compartment osteoarthritis.",
                "Three views of the knee. Medial joint space narrowing with marginal osteophytes and "
                "subchondral sclerosis. No fracture or effusion.")
    if study == "chest_xray":
        if chart.has("copd", day):
            return ("Hyperinflated lungs consistent with COPD. No acute process.",
                    "PA and lateral views. Flattened hemidiaphragms and increased retrosternal air. "
                    "No focal consolidation, effusion or pneumothorax. Heart size normal.")
        return ("No acute cardiopulmonary process.",
                "PA and lateral views. Lungs are clear. No consolidation, effusion or pneumothorax. "
                "Cardiomediastinal silhouette within normal limits.")
    if study == "abdominal_us":
        if chart.conditions.get("obesity") is not None and rng.random() < 0.6:
            return ("Hepatic steatosis. Otherwise unremarkable.",
                    "Complete abdominal ultrasound. The liver is diffusely echogenic, consistent with "
                    "fatty infiltration. Gallbladder, pancreas, spleen and kidneys unremarkable.")
        return ("Cholelithiasis without sonographic evidence of cholecystitis." if rng.random() < 0.3
                else "Normal abdominal ultrasound.",
                "Complete abdominal ultrasound. Liver normal in size and echotexture. No biliary "
                "dilatation. Kidneys normal without hydronephrosis. Spleen normal.")
    if study == "ankle_xray":
        return ("No acute fracture.",
                "Three views of the ankle. Soft tissue swelling over the lateral malleolus. No fracture "
                "or dislocation; ankle mortise intact.")
    raise KeyError(study)
