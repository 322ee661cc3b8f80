"""Lab tests (LOINC, UCUM, adult reference ranges) and the panels the practice orders."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LabTest:
    key: str
    loinc: str
    display: str
    unit: str
    low: float | None
    high: float | None
    decimals: int
    #: Female reference range when it differs from the (male/adult) ``low``-``high``.
    female: tuple[float | None, float | None] | None = None
    #: Qualitative test: ``value_text`` only ("Negative"/"Positive"), flagged A when positive.
    qualitative: bool = False

    def reference(self, sex: str) -> tuple[float | None, float | None]:
        if sex == "female" and self.female is not None:
            return self.female
        return self.low, self.high


@dataclass(frozen=True, slots=True)
class LabPanel:
    key: str
    loinc: str
    display: str
    tests: tuple[str, ...]


TESTS: dict[str, LabTest] = {t.key: t for t in (
    LabTest("a1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4.0, 5.6, 1),
    LabTest("glucose", "2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 70, 99, 0),
    LabTest("sodium", "2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 136, 145, 0),
    LabTest("potassium", "2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.5,
            5.1, 1),
    LabTest("bun", "3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL", 7, 20, 0),
    LabTest("creatinine", "2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.74,
            1.35, 2, female=(0.59, 1.04)),
    LabTest("egfr", "33914-3",
            "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma "
            "by Creatinine-based formula (MDRD)", "mL/min/{1.73_m2}", 60, None, 0),
    LabTest("hemoglobin", "718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 13.2, 16.6, 1,
            female=(11.6, 15.0)),
    LabTest("wbc", "6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 3.4,
            10.8, 1),
    LabTest("platelets", "777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL",
            150, 400, 0),
    LabTest("cholesterol", "2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", None,
            199, 0),
    LabTest("triglycerides", "2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL",
            None, 149, 0),
    LabTest("hdl", "2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", 40,
            None, 0),
    LabTest("ldl", "13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation",
            "mg/dL", None, 99, 0),
    LabTest("tsh", "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L", 0.45, 4.5,
            2),
    LabTest("uacr", "9318-7", "Albumin/Creatinine [Mass Ratio] in Urine", "mg/g", None, 29, 0),
    LabTest("alt", "1742-6",
            "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", "U/L", 7,
            56, 0),
    LabTest("lead", "5671-3", "Lead [Mass/volume] in Blood", "ug/dL", None, 3.4, 1),
    LabTest("strep", "78012-2", "Streptococcus pyogenes Ag [Presence] in Throat by Rapid immunoassay",
            "", None, None, 0, qualitative=True),
    LabTest("nitrite", "5802-4", "Nitrite [Presence] in Urine by Test strip", "", None, None, 0,
            qualitative=True),
    LabTest("leukocyte_esterase", "5799-2", "Leukocyte esterase [Presence] in Urine by Test strip",
            "", None, None, 0, qualitative=True),
    LabTest("flu_a", "80382-5",
            "Influenza virus A Ag [Presence] in Upper respiratory specimen by Rapid immunoassay", "",
            None, None, 0, qualitative=True),
)}

#: Paediatric reference ranges that replace the adult ones (by test key) below a given age.
CHILD_RANGES: dict[str, tuple[int, float | None, float | None]] = {
    "hemoglobin": (12, 10.5, 13.5),  # under 12 years
    "creatinine": (12, 0.2, 0.7),
}

PANELS: dict[str, LabPanel] = {p.key: p for p in (
    LabPanel("bmp", "51990-0", "Basic metabolic panel - Blood",
             ("glucose", "sodium", "potassium", "bun", "creatinine", "egfr")),
    LabPanel("cbc", "58410-2", "CBC panel - Blood by Automated count",
             ("hemoglobin", "wbc", "platelets")),
    LabPanel("lipid", "24331-1", "Lipid 1996 panel - Serum or Plasma",
             ("cholesterol", "triglycerides", "hdl", "ldl")),
    LabPanel("a1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", ("a1c",)),
    LabPanel("tsh", "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", ("tsh",)),
    LabPanel("uacr", "9318-7", "Albumin/Creatinine [Mass Ratio] in Urine", ("uacr",)),
    LabPanel("alt", "1742-6",
             "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma", ("alt",)),
    LabPanel("lead", "5671-3", "Lead [Mass/volume] in Blood", ("lead",)),
    LabPanel("hemoglobin", "718-7", "Hemoglobin [Mass/volume] in Blood", ("hemoglobin",)),
    LabPanel("strep", "78012-2",
             "Streptococcus pyogenes Ag [Presence] in Throat by Rapid immunoassay", ("strep",)),
    LabPanel("urinalysis", "24357-6", "Urinalysis macro (dipstick) panel - Urine",
             ("nitrite", "leukocyte_esterase")),
    LabPanel("flu", "80382-5",
             "Influenza virus A Ag [Presence] in Upper respiratory specimen by Rapid immunoassay",
             ("flu_a",)),
)}


def reference_range(test: LabTest, sex: str, age: int) -> tuple[float | None, float | None]:
    child = CHILD_RANGES.get(test.key)
    if child is not None and age < child[0]:
        return child[1], child[2]
    return test.reference(sex)


def reference_text(low: float | None, high: float | None, decimals: int) -> str:
    def fmt(v: float) -> str:
        return f"{v:.{decimals}f}"

    if low is not None and high is not None:
        return f"{fmt(low)}-{fmt(high)}"
    if high is not None:
        return f"<={fmt(high)}"
    if low is not None:
        return f">={fmt(low)}"
    return ""


def egfr_mdrd(creatinine: float, age: int, sex: str) -> float:
    """IDMS-traceable MDRD study equation (race term omitted), as LOINC 33914-3 is defined."""
    value = 175.0 * creatinine ** -1.154 * max(age, 18) ** -0.203
    return value * 0.742 if sex == "female" else value


def creatinine_for_egfr(egfr: float, age: int, sex: str) -> float:
    """The creatinine that gives ``egfr`` by the MDRD equation (to build CKD stage 3 labs)."""
    factor = 175.0 * max(age, 18) ** -0.203 * (0.742 if sex == "female" else 1.0)
    return (egfr / factor) ** (-1 / 1.154)
