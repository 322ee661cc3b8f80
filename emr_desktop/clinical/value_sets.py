"""The code lists the due-list rules look for (CVX vaccines, LOINC lab tests, ICD-10-CM problems) and
the childhood immunization schedule the practice follows.

CVX codes are compared without leading zeros ("8" and "08" are the same code, as CDC pads codes below
10). The lab lists are the eCQM value sets named beside them (VSAC, public), so results imported
from outside labs are recognised too, not only the codes the demo practice orders.
"""

from __future__ import annotations

from dataclasses import dataclass


def cvx_key(code: str) -> str:
    """Canonical form of a CVX code: no blanks, no leading zeros."""
    code = code.strip()
    return (code.lstrip("0") or "0") if code.isdigit() else code.upper()


def _cvx(*codes: str) -> frozenset[str]:
    return frozenset(cvx_key(c) for c in codes)


# --- vaccines (CVX) ------------------------------------------------------------------------------

#: Seasonal (northern hemisphere) influenza vaccines, every formulation incl. unspecified and
#: historical ones; pandemic, avian and southern-hemisphere vaccines are left out on purpose.
INFLUENZA_CVX = _cvx("15", "16", "88", "111", "135", "140", "141", "144", "149", "150", "151", "153",
                     "155", "158", "161", "166", "168", "171", "185", "186", "197", "205", "320", "333")

#: Every tetanus-toxoid-containing vaccine (Td, Tdap, DTaP and its combinations, TT): the 10-year
#: booster clock runs from the last of any of them.
TETANUS_CVX = _cvx("01", "09", "20", "22", "28", "35", "50", "102", "106", "107", "110", "112", "113",
                   "115", "120", "130", "132", "138", "139", "142", "146", "170", "195", "196", "198")

#: Pneumococcal conjugate (PCV7/10/13/15/20/21, unspecified) and polysaccharide (PPSV23, unspecified).
PNEUMOCOCCAL_CVX = _cvx("100", "133", "152", "177", "215", "216", "327", "33", "109")

#: Recombinant zoster vaccine (Shingrix). The retired live vaccine (121) does not count toward the
#: RZV series, nor does "zoster, unspecified formulation" (188).
ZOSTER_RZV_CVX = _cvx("187")


@dataclass(frozen=True, slots=True)
class ChildSeries:
    """One vaccine of the childhood schedule and every CVX code that counts as a dose of it
    (combination vaccines count toward each series they contain)."""

    key: str
    name: str
    cvx: frozenset[str]
    #: Age in days after which the series is no longer given to a healthy child (None: until 19).
    max_age_days: int | None = None


CHILD_SERIES: dict[str, ChildSeries] = {s.key: s for s in (
    ChildSeries("hepb", "Hepatitis B", _cvx("08", "42", "43", "44", "45", "51", "102", "104", "110",
                                            "132", "146", "189", "193", "198", "220")),
    ChildSeries("dtap", "DTaP", _cvx("01", "20", "22", "28", "50", "102", "106", "107", "110", "120",
                                     "130", "132", "146", "170", "198"), max_age_days=7 * 365),
    ChildSeries("ipv", "Polio (IPV)", _cvx("02", "10", "89", "110", "120", "130", "132", "146", "170",
                                           "178", "179", "182", "195", "324")),
    ChildSeries("hib", "Hib", _cvx("17", "22", "46", "47", "48", "49", "50", "51", "102", "120", "132",
                                   "146", "148", "170", "198"), max_age_days=5 * 365),
    ChildSeries("pcv", "Pneumococcal conjugate (PCV)", _cvx("100", "133", "152", "177", "215", "216",
                                                            "327"), max_age_days=5 * 365),
    # Rotavirus: no dose after 8 months 0 days (CDC); the demo uses 240 days.
    ChildSeries("rotavirus", "Rotavirus", _cvx("74", "116", "119", "122"), max_age_days=240),
    ChildSeries("mmr", "MMR", _cvx("03", "94")),
    ChildSeries("varicella", "Varicella", _cvx("21", "94")),
    ChildSeries("hepa", "Hepatitis A", _cvx("31", "52", "83", "84", "85", "104", "193")),
    ChildSeries("tdap", "Tdap", _cvx("115")),
    ChildSeries("hpv", "HPV", _cvx("62", "118", "137", "165")),
    ChildSeries("menacwy", "Meningococcal ACWY", _cvx("108", "114", "136", "147", "203", "316",
                                                      "328")),
)}

#: The demo practice's routine childhood doses (``emr_desktop.demo.vaccines.CHILD_SCHEDULE``, a
#: simplified CDC child schedule: routine doses at the recommended ages, no catch-up logic), as
#: (age in days when due, series key, dose number). Kept here because clinical/ must not import the
#: demo generator; a test checks the two agree.
CHILD_SCHEDULE: tuple[tuple[int, str, int], ...] = (
    (0, "hepb", 1),
    (30, "hepb", 2),
    (61, "dtap", 1), (61, "ipv", 1), (61, "hib", 1), (61, "pcv", 1), (61, "rotavirus", 1),
    (122, "dtap", 2), (122, "ipv", 2), (122, "hib", 2), (122, "pcv", 2), (122, "rotavirus", 2),
    (183, "dtap", 3), (183, "ipv", 3), (183, "pcv", 3), (183, "rotavirus", 3), (183, "hepb", 3),
    (365, "mmr", 1), (365, "varicella", 1), (365, "hepa", 1), (365, "hib", 3), (365, "pcv", 4),
    (457, "dtap", 4),
    (548, "hepa", 2),
    (1461, "dtap", 5), (1461, "ipv", 4), (1461, "mmr", 2), (1461, "varicella", 2),
    (4018, "tdap", 1), (4018, "hpv", 1), (4018, "menacwy", 1),
    (4200, "hpv", 2),
    (5844, "menacwy", 2),
)

# --- lab tests (LOINC) ---------------------------------------------------------------------------

#: Lipid screening: total cholesterol, LDL (calculated or direct) or a lipid panel. HDL or
#: triglycerides alone do not count.
LIPID_LOINC = frozenset({
    "2093-3",   # Cholesterol [Mass/volume] in Serum or Plasma
    "13457-7",  # Cholesterol in LDL, by calculation
    "18262-6",  # Cholesterol in LDL, by direct assay
    "2089-1",   # Cholesterol in LDL [Mass/volume] in Serum or Plasma
    "24331-1",  # Lipid 1996 panel
    "57698-3",  # Lipid panel with direct LDL
})

#: HbA1c Laboratory Test (eCQM value set 2.16.840.1.113883.3.464.1003.198.12.1013).
HBA1C_LOINC = frozenset({"4548-4", "4549-2", "17855-8", "17856-6", "96595-4"})

#: Plasma glucose (random or fasting) - with HbA1c, the tests USPSTF accepts for diabetes screening.
GLUCOSE_LOINC = frozenset({"2345-7", "1558-6", "2339-0"})

#: Pap Test (eCQM value set 2.16.840.1.113883.3.464.1003.108.12.1017).
PAP_LOINC = frozenset({"10524-7", "18500-9", "19762-4", "19764-0", "19765-7", "19766-5", "19774-9",
                       "33717-0", "47527-7", "47528-5"})

#: HPV Test, high-risk HPV on a cervical sample (eCQM value set 2.16.840.1.113883.3.464.1003.110.12.1059).
HPV_LOINC = frozenset({"104132-6", "104170-6", "21440-3", "30167-1", "38372-9", "59263-4", "59264-2",
                       "59420-0", "69002-4", "71431-1", "75694-0", "77379-6", "77399-4", "77400-0",
                       "82354-2", "82456-5", "82675-0", "95539-3"})

#: Fecal Occult Blood Test (FOBT), guaiac or immunochemical (FIT)
#: (eCQM value set 2.16.840.1.113883.3.464.1003.198.12.1011).
FOBT_LOINC = frozenset({"12503-9", "12504-7", "14563-1", "14564-9", "14565-6", "2335-8", "27396-1",
                        "27401-9", "27925-7", "27926-5", "29771-3", "56490-6", "56491-4", "57905-2",
                        "58453-2", "80372-6"})

#: sDNA FIT Test (eCQM value set 2.16.840.1.113883.3.464.1003.108.12.1039).
SDNA_FIT_LOINC = frozenset({"77353-1", "77354-9"})

# --- imaging ------------------------------------------------------------------------------------

#: CPT codes of mammography (diagnostic 77065/77066, screening 77067); the DICOM modality "MG"
#: (ImagingModality.MAMMOGRAPHY) and a study named "mammo..." are recognised as well.
MAMMOGRAPHY_CPT = frozenset({"77065", "77066", "77067"})

# --- problems (ICD-10-CM) -------------------------------------------------------------------------

#: Type 1 (E10) and type 2 (E11) diabetes mellitus, any subcode.
DIABETES_ICD10_PREFIXES = ("E10", "E11")
