"""Clinical code tables of the demo practice: problems, drugs, allergies, imaging studies.

Codes are real (ICD-10-CM, RxNorm, SNOMED CT, CPT) where they are certain; an RxNorm or SNOMED
code left empty means "display text only", never a guessed code. Labs live in ``labs.py`` and
vaccines in ``vaccines.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from emr_desktop.domain.enums import AllergyCategory, AllergySeverity, ImagingModality


@dataclass(frozen=True, slots=True)
class Condition:
    key: str
    icd10: str
    display: str
    snomed: str = ""


@dataclass(frozen=True, slots=True)
class Drug:
    key: str
    rxcui: str  # "" when the exact RxNorm concept is not certain
    display: str
    strength: str
    form: str
    dose: str
    dose_unit: str
    route: str
    frequency: str
    sig: str
    quantity: float  # dispensed per prescription
    quantity_unit: str
    days_supply: int
    schedule: str = ""  # DEA schedule, "" for non-controlled
    as_needed: bool = False


# --- problems (ICD-10-CM, SNOMED CT) ----------------------------------------------------------

CONDITIONS: dict[str, Condition] = {c.key: c for c in (
    Condition("hypertension", "I10", "Essential (primary) hypertension", "38341003"),
    Condition("diabetes", "E11.9", "Type 2 diabetes mellitus without complications", "44054006"),
    Condition("prediabetes", "R73.03", "Prediabetes", "15777000"),
    Condition("hyperlipidemia", "E78.5", "Hyperlipidemia, unspecified", "55822004"),
    Condition("asthma", "J45.909", "Unspecified asthma, uncomplicated", "195967001"),
    Condition("copd", "J44.9", "Chronic obstructive pulmonary disease, unspecified", "13645005"),
    Condition("hypothyroidism", "E03.9", "Hypothyroidism, unspecified", "40930008"),
    Condition("depression", "F32.A", "Depression, unspecified", "35489007"),
    Condition("anxiety", "F41.1", "Generalized anxiety disorder", "21897009"),
    Condition("gerd", "K21.9", "Gastro-esophageal reflux disease without esophagitis", "235595009"),
    Condition("obesity", "E66.9", "Obesity, unspecified", "414916001"),
    Condition("osteoarthritis", "M17.9", "Osteoarthritis of knee, unspecified", "239873007"),
    Condition("ckd3", "N18.30", "Chronic kidney disease, stage 3 unspecified", "433144002"),
    Condition("afib", "I48.91", "Unspecified atrial fibrillation", "49436004"),
    Condition("rhinitis", "J30.9", "Allergic rhinitis, unspecified", "61582004"),
    Condition("osteoporosis", "M81.0",
              "Age-related osteoporosis without current pathological fracture", "64859006"),
    Condition("insomnia", "G47.00", "Insomnia, unspecified", "193462001"),
    # acute, usually resolved within weeks
    Condition("uri", "J06.9", "Acute upper respiratory infection, unspecified"),
    Condition("strep", "J02.0", "Streptococcal pharyngitis", "43878008"),
    Condition("pharyngitis", "J02.9", "Acute pharyngitis, unspecified"),
    Condition("bronchitis", "J20.9", "Acute bronchitis, unspecified", "10509002"),
    Condition("otitis", "H66.90", "Otitis media, unspecified, unspecified ear", "65363002"),
    Condition("sinusitis", "J01.90", "Acute sinusitis, unspecified"),
    Condition("uti", "N39.0", "Urinary tract infection, site not specified", "68566005"),
    Condition("ankle_sprain", "S93.409A",
              "Sprain of unspecified ligament of unspecified ankle, initial encounter", "44465007"),
    Condition("back_pain", "M54.50", "Low back pain, unspecified"),
    Condition("conjunctivitis", "H10.9", "Unspecified conjunctivitis"),
    Condition("influenza", "J11.1",
              "Influenza due to unidentified influenza virus with other respiratory manifestations"),
    Condition("dermatitis", "L25.9", "Unspecified contact dermatitis, unspecified cause"),
    Condition("gastroenteritis", "A08.4", "Viral intestinal infection, unspecified"),
    # reasons for a visit, used in notes only (never on the problem list)
    Condition("adult_exam", "Z00.00",
              "Encounter for general adult medical examination without abnormal findings"),
    Condition("well_child", "Z00.129",
              "Encounter for routine child health examination without abnormal findings"),
    Condition("immunization", "Z23", "Encounter for immunization"),
)}


# --- drugs (RxNorm) ---------------------------------------------------------------------------

_DAILY = "Take 1 tablet by mouth once daily."
_BID = "Take 1 tablet by mouth twice daily."

DRUGS: dict[str, Drug] = {d.key: d for d in (
    # blood pressure
    Drug("lisinopril_10", "314076", "lisinopril 10 MG Oral Tablet", "10 mg", "tablet", "1",
         "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("lisinopril_20", "314077", "lisinopril 20 MG Oral Tablet", "20 mg", "tablet", "1",
         "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("losartan_50", "979492", "losartan potassium 50 MG Oral Tablet", "50 mg", "tablet", "1",
         "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("amlodipine_5", "197361", "amlodipine 5 MG Oral Tablet", "5 mg", "tablet", "1", "tablet",
         "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("amlodipine_10", "308135", "amlodipine 10 MG Oral Tablet", "10 mg", "tablet", "1",
         "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("hctz_25", "310798", "hydrochlorothiazide 25 MG Oral Tablet", "25 mg", "tablet", "1",
         "tablet", "oral", "once daily", "Take 1 tablet by mouth once daily in the morning.", 90,
         "tablet", 90),
    Drug("metoprolol_25", "866924", "metoprolol tartrate 25 MG Oral Tablet", "25 mg", "tablet",
         "1", "tablet", "oral", "twice daily", _BID, 180, "tablet", 90),
    # lipids
    Drug("atorvastatin_20", "617310", "atorvastatin 20 MG Oral Tablet", "20 mg", "tablet", "1",
         "tablet", "oral", "once daily", "Take 1 tablet by mouth once daily at bedtime.", 90,
         "tablet", 90),
    Drug("atorvastatin_40", "617311", "atorvastatin 40 MG Oral Tablet", "40 mg", "tablet", "1",
         "tablet", "oral", "once daily", "Take 1 tablet by mouth once daily at bedtime.", 90,
         "tablet", 90),
    Drug("rosuvastatin_10", "859747", "rosuvastatin calcium 10 MG Oral Tablet", "10 mg", "tablet",
         "1", "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("simvastatin_20", "312961", "simvastatin 20 MG Oral Tablet", "20 mg", "tablet", "1",
         "tablet", "oral", "once daily", "Take 1 tablet by mouth once daily in the evening.", 90,
         "tablet", 90),
    Drug("pravastatin_40", "904475", "pravastatin sodium 40 MG Oral Tablet", "40 mg", "tablet",
         "1", "tablet", "oral", "once daily", "Take 1 tablet by mouth once daily at bedtime.", 90,
         "tablet", 90),
    # diabetes
    Drug("metformin_500", "861007", "metformin hydrochloride 500 MG Oral Tablet", "500 mg",
         "tablet", "2", "tablet", "oral", "twice daily",
         "Take 2 tablets by mouth twice daily with meals.", 360, "tablet", 90),
    Drug("metformin_er_500", "860975",
         "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet", "500 mg",
         "extended release tablet", "2", "tablet", "oral", "once daily",
         "Take 2 tablets by mouth once daily with the evening meal.", 180, "tablet", 90),
    Drug("glipizide_5", "", "glipizide 5 MG Oral Tablet", "5 mg", "tablet", "1", "tablet", "oral",
         "once daily", "Take 1 tablet by mouth once daily 30 minutes before breakfast.", 90,
         "tablet", 90),
    Drug("insulin_glargine", "", "insulin glargine 100 UNT/ML Pen Injector", "100 units/mL",
         "pen injector", "20", "units", "subcutaneous", "once daily at bedtime",
         "Inject 20 units under the skin once daily at bedtime.", 15, "mL", 75),
    # lungs and allergy
    Drug("albuterol_mdi", "745679", "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
         "90 mcg/actuation", "metered dose inhaler", "2", "puffs", "inhalation",
         "every 4-6 hours as needed",
         "Inhale 2 puffs every 4 to 6 hours as needed for wheezing or shortness of breath.", 1,
         "inhaler", 30, as_needed=True),
    Drug("fluticasone_mdi", "895994",
         "120 ACTUAT fluticasone propionate 0.044 MG/ACTUAT Metered Dose Inhaler",
         "44 mcg/actuation", "metered dose inhaler", "2", "puffs", "inhalation", "twice daily",
         "Inhale 2 puffs twice daily. Rinse mouth after each use.", 1, "inhaler", 30),
    Drug("tiotropium", "", "tiotropium bromide 18 MCG Inhalation Capsule", "18 mcg",
         "inhalation capsule", "1", "capsule", "inhalation", "once daily",
         "Inhale the contents of 1 capsule once daily with the inhalation device.", 90,
         "capsule", 90),
    Drug("loratadine_10", "311372", "loratadine 10 MG Oral Tablet", "10 mg", "tablet", "1",
         "tablet", "oral", "once daily", "Take 1 tablet by mouth once daily as needed for allergy "
         "symptoms.", 90, "tablet", 90, as_needed=True),
    Drug("fluticasone_nasal", "", "fluticasone propionate 0.05 MG/ACTUAT Nasal Spray",
         "50 mcg/actuation", "nasal spray", "2", "sprays", "nasal", "once daily",
         "Use 2 sprays in each nostril once daily.", 1, "bottle", 30),
    # thyroid, mood, sleep, stomach
    Drug("levothyroxine_50", "", "levothyroxine sodium 0.05 MG Oral Tablet", "50 mcg", "tablet",
         "1", "tablet", "oral", "once daily",
         "Take 1 tablet by mouth every morning on an empty stomach.", 90, "tablet", 90),
    Drug("levothyroxine_75", "", "levothyroxine sodium 0.075 MG Oral Tablet", "75 mcg", "tablet",
         "1", "tablet", "oral", "once daily",
         "Take 1 tablet by mouth every morning on an empty stomach.", 90, "tablet", 90),
    Drug("levothyroxine_100", "", "levothyroxine sodium 0.1 MG Oral Tablet", "100 mcg", "tablet",
         "1", "tablet", "oral", "once daily",
         "Take 1 tablet by mouth every morning on an empty stomach.", 90, "tablet", 90),
    Drug("sertraline_50", "312940", "sertraline 50 MG Oral Tablet", "50 mg", "tablet", "1",
         "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("escitalopram_10", "", "escitalopram 10 MG Oral Tablet", "10 mg", "tablet", "1",
         "tablet", "oral", "once daily", _DAILY, 90, "tablet", 90),
    Drug("omeprazole_20", "", "omeprazole 20 MG Delayed Release Oral Capsule", "20 mg",
         "delayed release capsule", "1", "capsule", "oral", "once daily",
         "Take 1 capsule by mouth once daily 30 minutes before breakfast.", 90, "capsule", 90),
    Drug("alprazolam_025", "", "alprazolam 0.25 MG Oral Tablet", "0.25 mg", "tablet", "1",
         "tablet", "oral", "twice daily as needed",
         "Take 1 tablet by mouth twice daily as needed for anxiety.", 30, "tablet", 30,
         schedule="IV", as_needed=True),
    Drug("zolpidem_5", "", "zolpidem tartrate 5 MG Oral Tablet", "5 mg", "tablet", "1", "tablet",
         "oral", "at bedtime as needed", "Take 1 tablet by mouth at bedtime as needed for sleep.",
         30, "tablet", 30, schedule="IV", as_needed=True),
    # heart rhythm, bones
    Drug("apixaban_5", "1364445", "apixaban 5 MG Oral Tablet", "5 mg", "tablet", "1", "tablet",
         "oral", "twice daily", _BID, 180, "tablet", 90),
    Drug("alendronate_70", "", "alendronate sodium 70 MG Oral Tablet", "70 mg", "tablet", "1",
         "tablet", "oral", "once weekly",
         "Take 1 tablet by mouth once weekly with a full glass of water, 30 minutes before "
         "breakfast; stay upright for 30 minutes.", 12, "tablet", 84),
    # pain
    Drug("acetaminophen_325", "313782", "acetaminophen 325 MG Oral Tablet", "325 mg", "tablet",
         "2", "tablet", "oral", "every 6 hours as needed",
         "Take 2 tablets by mouth every 6 hours as needed for pain. Max 3,000 mg per day.", 100,
         "tablet", 30, as_needed=True),
    Drug("naproxen_220", "849574", "naproxen sodium 220 MG Oral Tablet", "220 mg", "tablet", "1",
         "tablet", "oral", "twice daily as needed",
         "Take 1 tablet by mouth twice daily with food as needed for pain.", 60, "tablet", 30,
         as_needed=True),
    Drug("ibuprofen_200", "310965", "ibuprofen 200 MG Oral Tablet", "200 mg", "tablet", "2",
         "tablet", "oral", "every 6 hours as needed",
         "Take 2 tablets by mouth every 6 hours with food as needed for pain.", 60, "tablet", 7,
         as_needed=True),
    Drug("tramadol_50", "835603", "tramadol hydrochloride 50 MG Oral Tablet", "50 mg", "tablet",
         "1", "tablet", "oral", "every 8 hours as needed",
         "Take 1 tablet by mouth every 8 hours as needed for severe pain.", 30, "tablet", 10,
         schedule="IV", as_needed=True),
    Drug("oxycodone_apap", "1049221",
         "acetaminophen 325 MG / oxycodone hydrochloride 5 MG Oral Tablet", "5 mg/325 mg",
         "tablet", "1", "tablet", "oral", "every 6 hours as needed",
         "Take 1 tablet by mouth every 6 hours as needed for severe pain. Do not drive.", 12,
         "tablet", 3, schedule="II", as_needed=True),
    Drug("cyclobenzaprine_10", "", "cyclobenzaprine hydrochloride 10 MG Oral Tablet", "10 mg",
         "tablet", "1", "tablet", "oral", "at bedtime as needed",
         "Take 1 tablet by mouth at bedtime as needed for muscle spasm.", 14, "tablet", 14,
         as_needed=True),
    # antibiotics and other short courses
    Drug("amox_clav", "562251", "amoxicillin 250 MG / clavulanate 125 MG Oral Tablet",
         "250 mg/125 mg", "tablet", "1", "tablet", "oral", "every 8 hours",
         "Take 1 tablet by mouth every 8 hours for 10 days.", 30, "tablet", 10),
    Drug("penicillin_v_500", "834102", "penicillin V potassium 500 MG Oral Tablet", "500 mg",
         "tablet", "1", "tablet", "oral", "twice daily",
         "Take 1 tablet by mouth twice daily for 10 days.", 20, "tablet", 10),
    Drug("amoxicillin_susp", "", "amoxicillin 400 MG/5ML Oral Suspension", "400 mg/5 mL",
         "oral suspension", "5", "mL", "oral", "twice daily",
         "Give 5 mL by mouth twice daily for 10 days. Shake well.", 100, "mL", 10),
    Drug("azithromycin_250", "", "azithromycin 250 MG Oral Tablet", "250 mg", "tablet", "1",
         "tablet", "oral", "once daily",
         "Take 2 tablets by mouth on day 1, then 1 tablet once daily on days 2 to 5.", 6,
         "tablet", 5),
    Drug("nitrofurantoin_100", "", "nitrofurantoin monohydrate 100 MG Oral Capsule", "100 mg",
         "capsule", "1", "capsule", "oral", "twice daily",
         "Take 1 capsule by mouth twice daily with food for 5 days.", 10, "capsule", 5),
    Drug("oseltamivir_75", "", "oseltamivir 75 MG Oral Capsule", "75 mg", "capsule", "1",
         "capsule", "oral", "twice daily", "Take 1 capsule by mouth twice daily for 5 days.", 10,
         "capsule", 5),
    Drug("prednisone_20", "", "prednisone 20 MG Oral Tablet", "20 mg", "tablet", "2", "tablet",
         "oral", "once daily", "Take 2 tablets by mouth once daily with food for 5 days.", 10,
         "tablet", 5),
    Drug("hydrocortisone_cream", "", "hydrocortisone 10 MG/ML Topical Cream", "1%",
         "topical cream", "1", "application", "topical", "twice daily",
         "Apply a thin layer to the affected skin twice daily for up to 7 days.", 1, "tube", 7),
    Drug("polymyxin_trimethoprim", "", "polymyxin B / trimethoprim Ophthalmic Solution",
         "10,000 units/1 mg per mL", "ophthalmic solution", "1", "drop", "ophthalmic",
         "every 4 hours", "Instill 1 drop in the affected eye every 4 hours while awake for 7 days.",
         1, "bottle", 7),
    Drug("ondansetron_4", "", "ondansetron 4 MG Disintegrating Oral Tablet", "4 mg",
         "disintegrating tablet", "1", "tablet", "oral", "every 8 hours as needed",
         "Dissolve 1 tablet on the tongue every 8 hours as needed for nausea.", 6, "tablet", 2,
         as_needed=True),
    # children's forms
    Drug("ibuprofen_susp", "", "ibuprofen 100 MG/5ML Oral Suspension", "100 mg/5 mL",
         "oral suspension", "7.5", "mL", "oral", "every 6 hours as needed",
         "Give 7.5 mL by mouth every 6 hours with food as needed for pain or fever.", 120, "mL", 7,
         as_needed=True),
    Drug("azithromycin_susp", "", "azithromycin 200 MG/5ML Oral Suspension", "200 mg/5 mL",
         "oral suspension", "4", "mL", "oral", "once daily",
         "Give 4 mL by mouth once daily for 5 days. Shake well.", 22.5, "mL", 5),
    Drug("cephalexin_susp", "", "cephalexin 250 MG/5ML Oral Suspension", "250 mg/5 mL",
         "oral suspension", "5", "mL", "oral", "twice daily",
         "Give 5 mL by mouth twice daily for 7 days. Shake well; keep refrigerated.", 100, "mL", 7),
    Drug("oseltamivir_susp", "", "oseltamivir 6 MG/ML Oral Suspension", "6 mg/mL",
         "oral suspension", "7.5", "mL", "oral", "twice daily",
         "Give 7.5 mL by mouth twice daily for 5 days.", 75, "mL", 5),
    Drug("epinephrine_autoinjector", "1870230", "NDA020800 0.3 ML Epinephrine 1 MG/ML Auto-Injector",
         "0.3 mg", "auto-injector", "0.3", "mg", "intramuscular", "once as needed",
         "Inject into the outer thigh once as needed for severe allergic reaction; call 911.", 2,
         "auto-injector", 365, as_needed=True),
)}

#: Chronic condition -> first-line drug keys (the generator picks one, then may switch or add).
FIRST_LINE: dict[str, tuple[str, ...]] = {
    "hypertension": ("lisinopril_10", "lisinopril_10", "amlodipine_5", "losartan_50", "hctz_25"),
    "hyperlipidemia": ("atorvastatin_20", "atorvastatin_20", "atorvastatin_40", "rosuvastatin_10",
                       "simvastatin_20"),
    "diabetes": ("metformin_500",),
    "asthma": ("albuterol_mdi",),
    "copd": ("albuterol_mdi",),
    "hypothyroidism": ("levothyroxine_50", "levothyroxine_75", "levothyroxine_100"),
    "depression": ("sertraline_50", "sertraline_50", "escitalopram_10"),
    "anxiety": ("sertraline_50", "escitalopram_10"),
    "gerd": ("omeprazole_20",),
    "osteoarthritis": ("acetaminophen_325", "naproxen_220"),
    "afib": ("apixaban_5",),
    "rhinitis": ("loratadine_10", "loratadine_10", "fluticasone_nasal"),
    "osteoporosis": ("alendronate_70",),
    "insomnia": ("zolpidem_5",),
}

#: Drug -> (a later switch, the documented reason for stopping the first drug).
SWITCHES: dict[str, tuple[str, str]] = {
    "lisinopril_10": ("losartan_50", "Persistent dry cough on ACE inhibitor"),
    "atorvastatin_20": ("rosuvastatin_10", "Muscle aches (myalgia) on atorvastatin"),
    "atorvastatin_40": ("pravastatin_40", "Muscle aches (myalgia) on atorvastatin"),
    "simvastatin_20": ("atorvastatin_20", "LDL not at goal; changed to a more potent statin"),
    "metformin_500": ("metformin_er_500", "GI upset; changed to extended-release tablets"),
    "sertraline_50": ("escitalopram_10", "Insufficient response after 8 weeks"),
    "escitalopram_10": ("sertraline_50", "Nausea and headache after starting"),
    "hctz_25": ("amlodipine_5", "Low sodium on hydrochlorothiazide"),
    "naproxen_220": ("acetaminophen_325", "Dyspepsia on NSAID"),
    "amlodipine_5": ("amlodipine_10", "Dose increased: blood pressure not at goal"),
}

#: Acute visit reason -> courses prescribed and how often ("" = supportive care only).
ACUTE_DRUGS: dict[str, tuple[tuple[str, float], ...]] = {
    "uri": (("", 1),),
    "strep": (("penicillin_v_500", 2), ("amox_clav", 1)),
    "pharyngitis": (("", 1),),
    "bronchitis": (("", 3), ("albuterol_mdi", 1)),
    "otitis": (("amoxicillin_susp", 1),),
    "sinusitis": (("", 1), ("amox_clav", 1)),
    "uti": (("nitrofurantoin_100", 1),),
    "ankle_sprain": (("ibuprofen_200", 15), ("acetaminophen_325", 4), ("oxycodone_apap", 1)),
    "back_pain": (("naproxen_220", 6), ("cyclobenzaprine_10", 3), ("tramadol_50", 1)),
    "conjunctivitis": (("polymyxin_trimethoprim", 1),),
    "influenza": (("oseltamivir_75", 1), ("", 1)),
    "dermatitis": (("hydrocortisone_cream", 3), ("prednisone_20", 1)),
    "gastroenteritis": (("ondansetron_4", 1), ("", 1)),
}

#: Children under 12 get liquid forms (or a gentler choice) instead of these adult products.
CHILD_SUBSTITUTES: dict[str, str] = {
    "penicillin_v_500": "amoxicillin_susp", "amox_clav": "amoxicillin_susp",
    "ibuprofen_200": "ibuprofen_susp", "acetaminophen_325": "ibuprofen_susp",
    "azithromycin_250": "azithromycin_susp", "nitrofurantoin_100": "cephalexin_susp",
    "oseltamivir_75": "oseltamivir_susp", "prednisone_20": "hydrocortisone_cream",
    "oxycodone_apap": "ibuprofen_susp", "ondansetron_4": "",
}

#: Drugs that must not be given to a patient with the matching allergy -> substitute.
ALLERGY_SUBSTITUTES: dict[str, dict[str, str]] = {
    "penicillin": {"penicillin_v_500": "azithromycin_250", "amox_clav": "azithromycin_250",
                   "amoxicillin_susp": "azithromycin_susp"},
    "nsaid": {"ibuprofen_200": "acetaminophen_325", "naproxen_220": "acetaminophen_325",
              "ibuprofen_susp": ""},
}


# --- allergies ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class AllergyKind:
    key: str
    substance: str
    category: str
    code_system: str
    code: str
    reactions: tuple[str, ...]
    weight: float  # relative frequency among patients with allergies
    children: bool = True  # also seen in children


_RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

ALLERGIES: tuple[AllergyKind, ...] = (
    AllergyKind("penicillin", "Penicillin", AllergyCategory.MEDICATION.value, _RXNORM, "70618",
                ("Hives", "Rash", "Hives and itching", "Swelling of lips and face"), 10),
    AllergyKind("sulfa", "Sulfamethoxazole", AllergyCategory.MEDICATION.value, _RXNORM, "10180",
                ("Rash", "Hives", "Itching"), 4, children=False),
    AllergyKind("codeine", "Codeine", AllergyCategory.MEDICATION.value, _RXNORM, "2670",
                ("Nausea and vomiting", "Itching"), 2, children=False),
    AllergyKind("nsaid", "Ibuprofen", AllergyCategory.MEDICATION.value, _RXNORM, "5640",
                ("Hives", "Wheezing", "Stomach upset"), 1.5),
    AllergyKind("peanut", "Peanut", AllergyCategory.FOOD.value, "", "",
                ("Hives", "Throat tightness", "Anaphylaxis", "Vomiting"), 3),
    AllergyKind("shellfish", "Shellfish", AllergyCategory.FOOD.value, "", "",
                ("Hives", "Swelling of lips", "Vomiting"), 3),
    AllergyKind("egg", "Egg", AllergyCategory.FOOD.value, "", "", ("Hives", "Eczema flare"), 1.0),
    AllergyKind("latex", "Latex", AllergyCategory.ENVIRONMENT.value, "", "",
                ("Contact dermatitis", "Itching", "Hives"), 1.5),
    AllergyKind("bee", "Bee venom", AllergyCategory.ENVIRONMENT.value, "", "",
                ("Local swelling", "Hives", "Anaphylaxis"), 1.5),
    AllergyKind("cat", "Cat dander", AllergyCategory.ENVIRONMENT.value, "", "",
                ("Sneezing and itchy eyes", "Wheezing"), 2),
    AllergyKind("pollen", "Seasonal pollen", AllergyCategory.ENVIRONMENT.value, "", "",
                ("Sneezing and runny nose", "Itchy, watery eyes"), 3),
)
SEVERITY_BY_REACTION: dict[str, str] = {
    "Anaphylaxis": AllergySeverity.SEVERE.value,
    "Throat tightness": AllergySeverity.SEVERE.value,
    "Swelling of lips and face": AllergySeverity.SEVERE.value,
    "Wheezing": AllergySeverity.MODERATE.value,
}


# --- imaging (CPT study codes) -----------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ImagingStudy:
    key: str
    modality: str
    cpt: str
    study: str
    body_site: str


IMAGING: dict[str, ImagingStudy] = {s.key: s for s in (
    ImagingStudy("chest_xray", ImagingModality.XRAY.value, "71046", "XR Chest, 2 views (PA and lateral)",
                 "Chest"),
    ImagingStudy("mammogram", ImagingModality.MAMMOGRAPHY.value, "77067",
                 "Screening mammography, bilateral, including CAD", "Breast, bilateral"),
    ImagingStudy("dexa", ImagingModality.DEXA.value, "77080",
                 "DXA bone density study, axial skeleton (hips, spine)", "Lumbar spine and hips"),
    ImagingStudy("knee_xray", ImagingModality.XRAY.value, "73562", "XR Knee, 3 views", "Knee"),
    ImagingStudy("abdominal_us", ImagingModality.ULTRASOUND.value, "76700",
                 "US Abdomen, complete", "Abdomen"),
    ImagingStudy("ankle_xray", ImagingModality.XRAY.value, "73610", "XR Ankle, complete (3 views)",
                 "Ankle"),
)}

RADIOLOGISTS = ("Miriam Castellanos, MD", "Jonah Whitfield, MD", "Anjali Deshmukh, MD",
                "Oskar Lindqvist, MD")
IMAGING_FACILITY = "Riverbend Imaging Center (demo)"
PERFORMING_LAB = "Northfield Reference Laboratory (demo)"


# --- family history ----------------------------------------------------------------------------

#: (ICD-10-CM, condition, typical onset age range)
FAMILY_CONDITIONS: tuple[tuple[str, str, int, int], ...] = (
    ("I10", "Hypertension", 40, 65),
    ("E11.9", "Type 2 diabetes", 40, 70),
    ("E78.5", "High cholesterol", 40, 65),
    ("I25.10", "Coronary artery disease", 50, 75),
    ("I21.9", "Heart attack", 50, 78),
    ("I63.9", "Stroke", 60, 85),
    ("C50.919", "Breast cancer", 40, 75),
    ("C18.9", "Colon cancer", 50, 80),
    ("C61", "Prostate cancer", 55, 80),
    ("G30.9", "Alzheimer's disease", 68, 90),
    ("J45.909", "Asthma", 5, 30),
    ("F32.A", "Depression", 20, 50),
)
RELATIVES = ("mother", "father", "sister", "brother", "maternal grandmother", "maternal grandfather",
             "paternal grandmother", "paternal grandfather")
