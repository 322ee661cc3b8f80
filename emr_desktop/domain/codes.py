"""Code systems and the small fixed code tables the chart relies on."""

from __future__ import annotations

from dataclasses import dataclass

from emr_desktop.domain.enums import SmokingStatus

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
CPT = "http://www.ama-assn.org/go/cpt"


@dataclass(frozen=True)
class VitalKind:
    key: str
    loinc: str
    display: str
    unit: str  # UCUM
    low: float  # plausible range accepted at entry (not a reference range)
    high: float


#: Vital signs, each stored as one observation row coded with LOINC and a UCUM unit (FHIR vitals).
VITALS: dict[str, VitalKind] = {
    v.key: v
    for v in (
        VitalKind("systolic", "8480-6", "Systolic blood pressure", "mm[Hg]", 30, 300),
        VitalKind("diastolic", "8462-4", "Diastolic blood pressure", "mm[Hg]", 10, 200),
        VitalKind("pulse", "8867-4", "Heart rate", "/min", 10, 300),
        VitalKind("respiration", "9279-1", "Respiratory rate", "/min", 2, 120),
        VitalKind("temperature", "8310-5", "Body temperature", "Cel", 25, 45),
        VitalKind("spo2", "59408-5", "Oxygen saturation by pulse oximetry", "%", 40, 100),
        VitalKind("height", "8302-2", "Body height", "cm", 20, 260),
        VitalKind("weight", "29463-7", "Body weight", "kg", 0.3, 500),
        VitalKind("bmi", "39156-5", "Body mass index (BMI)", "kg/m2", 5, 150),
        VitalKind("pain", "72514-3", "Pain severity 0-10 (reported)", "{score}", 0, 10),
        VitalKind("head_circumference", "9843-4", "Head circumference", "cm", 20, 70),
    )
}
VITALS_BY_LOINC: dict[str, VitalKind] = {v.loinc: v for v in VITALS.values()}

#: How a UCUM unit is written for people (messages, labels).
UNIT_LABELS: dict[str, str] = {"mm[Hg]": "mmHg", "Cel": "°C", "kg/m2": "kg/m²", "{score}": ""}


def unit_label(ucum: str) -> str:
    return UNIT_LABELS.get(ucum, ucum)
BP_PANEL_LOINC = "85354-9"

SMOKING_STATUS_SNOMED: dict[SmokingStatus, tuple[str, str]] = {
    SmokingStatus.CURRENT_EVERY_DAY: ("449868002", "Smokes tobacco daily"),
    SmokingStatus.CURRENT_SOME_DAY: ("428041000124106", "Occasional tobacco smoker"),
    SmokingStatus.FORMER: ("8517006", "Ex-smoker"),
    SmokingStatus.NEVER: ("266919005", "Never smoked tobacco"),
    SmokingStatus.CURRENT_UNKNOWN_FREQUENCY: ("77176002", "Smoker"),
    SmokingStatus.UNKNOWN: ("266927001", "Tobacco smoking consumption unknown"),
    SmokingStatus.HEAVY: ("428071000124103", "Heavy tobacco smoker"),
    SmokingStatus.LIGHT: ("428061000124105", "Light tobacco smoker"),
}

#: SNOMED CT "No known allergy" - recorded as an allergy row of its own.
NO_KNOWN_ALLERGY = ("716186003", "No known allergy")
