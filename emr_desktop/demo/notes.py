"""SOAP note text for the demo visits, assembled from templates per visit type and problem."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from emr_desktop.demo.catalog import CONDITIONS

#: Acute visit reason -> (chief complaint, HPI templates, exam finding, plan advice).
ACUTE: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "uri": ("Cough and congestion",
            ("Nasal congestion, sore throat and dry cough for {d} days. No shortness of breath.",
             "Runny nose and mild cough for {d} days; sick contacts at home."),
            "Nasal mucosa erythematous with clear discharge. Lungs clear to auscultation.",
            "Supportive care: fluids, rest, saline rinses. Return if fever or symptoms beyond 10 days."),
    "strep": ("Sore throat",
              ("Sore throat for {d} days with fever and painful swallowing. No cough.",
               "Fever and sore throat since {d} days ago; classmate with strep."),
              "Tonsils enlarged with exudate; tender anterior cervical lymph nodes.",
              "Complete the full antibiotic course. May return to school/work after 12 hours of "
              "antibiotics and no fever."),
    "pharyngitis": ("Sore throat",
                    ("Scratchy sore throat for {d} days with mild cough and congestion.",),
                    "Mild pharyngeal erythema without exudate. Lungs clear.",
                    "Likely viral. Warm fluids, lozenges, acetaminophen as needed."),
    "bronchitis": ("Cough",
                   ("Productive cough for {d} days after a cold. No fever for 2 days.",
                    "Persistent cough for {d} days, worse at night."),
                   "Scattered rhonchi that clear with coughing. No crackles.",
                   "Expect cough to last up to 3 weeks. Honey, fluids; return if short of breath."),
    "otitis": ("Ear pain",
               ("Ear pain and fever for {d} days; pulling at the ear, waking at night.",),
               "Tympanic membrane bulging and erythematous with poor mobility.",
               "Antibiotic course as prescribed; ibuprofen for pain. Recheck if not better in 48-72 hours."),
    "sinusitis": ("Sinus pressure",
                  ("Facial pressure and purulent nasal discharge for {d} days.",),
                  "Maxillary sinus tenderness; purulent nasal discharge.",
                  "Saline irrigation and nasal steroid; antibiotic if prescribed. Follow up if worse."),
    "uti": ("Painful urination",
            ("Burning with urination and urinary frequency for {d} days. No flank pain or fever.",),
            "Mild suprapubic tenderness. No costovertebral angle tenderness.",
            "Antibiotic as prescribed; increase fluids. Return for fever, flank pain or vomiting."),
    "ankle_sprain": ("Ankle injury",
                     ("Rolled the ankle {d} days ago playing sports; able to bear weight with pain.",
                      "Twisted ankle stepping off a curb {d} days ago; swelling since."),
                     "Swelling and tenderness over the anterior talofibular ligament. No bony tenderness.",
                     "Rest, ice, compression, elevation. Ankle brace. Gradual return to activity."),
    "back_pain": ("Low back pain",
                  ("Low back pain for {d} days after lifting boxes. No leg weakness or numbness.",),
                  "Paraspinal muscle tenderness; straight leg raise negative bilaterally.",
                  "Stay active, heat, stretching. Physical therapy if not improving in 4 weeks."),
    "conjunctivitis": ("Red eye",
                       ("Red, itchy eye with crusting in the morning for {d} days.",),
                       "Conjunctival injection with mucopurulent discharge. Vision normal.",
                       "Eye drops as prescribed; hand hygiene; no contact lenses until resolved."),
    "influenza": ("Fever and body aches",
                  ("Sudden fever, chills, body aches and cough since {d} days ago.",),
                  "Appears tired; mild pharyngeal erythema. Lungs clear.",
                  "Rest and fluids; antiviral if prescribed. Stay home until fever-free for 24 hours."),
    "dermatitis": ("Rash",
                   ("Itchy rash on the forearms for {d} days after yard work.",),
                   "Erythematous papules and vesicles in linear streaks on both forearms.",
                   "Avoid the trigger; topical steroid; cool compresses. Return if spreading."),
    "gastroenteritis": ("Vomiting and diarrhea",
                        ("Vomiting and watery diarrhea for {d} days; tolerating small sips.",),
                        "Mucous membranes slightly dry; abdomen soft, mildly diffusely tender.",
                        "Oral rehydration; advance diet as tolerated. Return for blood in stool "
                        "or signs of dehydration."),
}

_FOLLOW_UP: dict[str, tuple[str, ...]] = {
    "hypertension": ("Home blood pressure readings mostly {bp_home}. No headaches or chest pain.",
                     "Taking blood pressure medication daily; no dizziness."),
    "diabetes": ("Fasting glucose at home {fasting}. No hypoglycemia. Working on diet and walking.",
                 "Checks sugars most mornings; no polyuria or polydipsia."),
    "hyperlipidemia": ("Taking cholesterol medication; no muscle aches.",),
    "depression": ("Mood {mood}; sleeping better. PHQ-9 today {phq}.",),
    "anxiety": ("Worry {mood}; using coping strategies from counseling. GAD-7 today {gad}.",),
    "copd": ("Shortness of breath with exertion, stable; using rescue inhaler {puffs} times a week.",),
    "asthma": ("Asthma symptoms {asthma}; rescue inhaler {puffs} times a week.",),
    "afib": ("No palpitations or bleeding on anticoagulation.",),
    "ckd3": ("No swelling; avoiding NSAIDs.",),
    "hypothyroidism": ("Energy good; takes thyroid medication on an empty stomach.",),
    "osteoarthritis": ("Knee pain worse on stairs, {pain}/10; helped by activity and medication.",),
    "gerd": ("Heartburn controlled on current treatment.",),
}

_WELL_CHILD = (
    "Growing and developing well; parent has no concerns.",
    "Eating a varied diet; sleeping through the night. Meeting milestones.",
    "Doing well in school; active in sports. No concerns from parent.",
)


@dataclass(slots=True)
class NoteFacts:
    """What happened at a visit, collected by the generator while it writes the rows."""

    kind: str  # EncounterType value
    label: str = ""  # well-child age label, acute reason key or follow-up focus
    companion: str = ""
    vitals: dict[str, float] = field(default_factory=dict)
    assessments: list[tuple[str, str]] = field(default_factory=list)  # (condition key, status)
    plan: list[str] = field(default_factory=list)
    smoker: bool = False


def _vitals_line(v: dict[str, float]) -> str:
    parts = []
    if "systolic" in v:
        parts.append(f"BP {v['systolic']:.0f}/{v['diastolic']:.0f} mmHg")
    if "pulse" in v:
        parts.append(f"HR {v['pulse']:.0f}/min")
    if "temperature" in v:
        parts.append(f"Temp {v['temperature']:.1f} °C")
    if "respiration" in v:
        parts.append(f"RR {v['respiration']:.0f}/min")
    if "spo2" in v:
        parts.append(f"SpO2 {v['spo2']:.0f}% on room air")
    if "height" in v:
        parts.append(f"Ht {v['height']:.1f} cm")
    if "weight" in v:
        parts.append(f"Wt {v['weight']:.1f} kg")
    if "bmi" in v:
        parts.append(f"BMI {v['bmi']:.1f} kg/m2")
    if "head_circumference" in v:
        parts.append(f"HC {v['head_circumference']:.1f} cm")
    return "Vitals: " + ", ".join(parts) + "." if parts else "Vitals: not obtained (video visit)."


def compose(rng: random.Random, facts: NoteFacts) -> tuple[str, str, str, str, str]:
    """(title, subjective, objective, assessment, plan) for a visit."""
    kind = facts.kind
    exam = "General: well-appearing, no acute distress."
    if kind == "well-child":
        title = f"Well-child visit ({facts.label})"
        subjective = (f"{facts.label.capitalize()} well-child check, accompanied by "
                      f"{facts.companion or 'parent'}. {rng.choice(_WELL_CHILD)}")
        exam += " HEENT normal. Heart regular, no murmur. Lungs clear. Abdomen soft. Development appropriate."
    elif kind == "annual-physical":
        title = "Annual physical"
        subjective = ("Here for annual preventive visit. Feels well overall. Denies chest pain, "
                      "shortness of breath or changes in bowel or bladder habits.")
        chronic = [CONDITIONS[key].display.split(",")[0].lower() for key, _ in facts.assessments
                   if key in _FOLLOW_UP]
        if chronic:
            subjective += f" Chronic conditions: {', '.join(chronic)}; taking medications as prescribed."
        if facts.smoker:
            subjective += " Still smoking; discussed quitting."
        exam += " Heart regular rate and rhythm. Lungs clear. Abdomen benign. No edema."
    elif kind == "nurse-visit":
        title = "Nurse visit: immunization"
        subjective = "Here for a scheduled vaccine. No fever or acute illness today. No prior vaccine reactions."
        exam = "Appears well."
    elif kind in ("acute", "office-visit") and facts.label in ACUTE:
        complaint, hpi, finding, _advice = ACUTE[facts.label]
        title = f"Acute visit: {complaint.lower()}"
        subjective = f"{complaint}. " + rng.choice(hpi).format(d=rng.randint(2, 6))
        exam += f" {finding}"
    else:
        focus = [key for key, _ in facts.assessments if key in _FOLLOW_UP]
        names = ", ".join(CONDITIONS[key].display.split(",")[0].lower() for key in focus[:3])
        title = f"Follow-up: {names}" if names else "Office visit"
        lines = [_fill(rng, rng.choice(_FOLLOW_UP[key])) for key in focus]
        subjective = " ".join(lines) or "Routine follow-up; no new concerns."
        if kind == "telehealth":
            subjective = "Video visit (patient at home, consented). " + subjective
            exam = "Alert, conversant, in no distress on video."
        else:
            exam += " Heart regular. Lungs clear. No edema."
    objective = _vitals_line(facts.vitals) + "\n" + exam
    assessment = "\n".join(
        f"{n}. {CONDITIONS[key].display} ({CONDITIONS[key].icd10}){': ' + status if status else ''}"
        for n, (key, status) in enumerate(facts.assessments, 1)
    ) or "1. Routine health maintenance; no acute problems."
    plan = "\n".join(f"- {item}" for item in facts.plan) or "- Continue current plan."
    return title[:200], subjective, objective, assessment, plan


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        bp_home=rng.choice(("120s-130s/70s-80s", "130s/80s", "140s/90s", "110s-120s/70s")),
        fasting=rng.choice(("110-140", "120-160", "95-125", "140-190")),
        mood=rng.choice(("improved", "stable", "somewhat better", "about the same")),
        phq=rng.randint(2, 12), gad=rng.randint(2, 11), puffs=rng.randint(0, 4),
        asthma=rng.choice(("well controlled", "mild with colds", "stable")),
        pain=rng.randint(2, 6),
    )


def acute_advice(reason: str) -> str:
    return ACUTE[reason][3]
