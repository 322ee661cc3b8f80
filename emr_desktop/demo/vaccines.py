"""Vaccines (CVX) and the schedules the demo practice follows (CDC childhood and adult schedules,
simplified: routine doses at the recommended ages, no catch-up logic)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Vaccine:
    cvx: str
    name: str
    manufacturer: str
    route: str  # IM, SC, PO
    dose_ml: str
    vis_date: date  # edition of the Vaccine Information Statement handed out


VACCINES: dict[str, Vaccine] = {v.cvx: v for v in (
    Vaccine("08", "Hep B, adolescent or pediatric", "Merck Sharp & Dohme", "IM", "0.5",
            date(2023, 5, 12)),
    Vaccine("20", "DTaP", "Sanofi Pasteur", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("10", "IPV", "Sanofi Pasteur", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("49", "Hib (PRP-OMP)", "Merck Sharp & Dohme", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("133", "Pneumococcal conjugate PCV 13", "Pfizer", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("216", "Pneumococcal conjugate PCV20", "Pfizer", "IM", "0.5", date(2023, 5, 12)),
    Vaccine("116", "Rotavirus, pentavalent", "Merck Sharp & Dohme", "PO", "2", date(2021, 10, 15)),
    Vaccine("03", "MMR", "Merck Sharp & Dohme", "SC", "0.5", date(2021, 8, 6)),
    Vaccine("21", "Varicella", "Merck Sharp & Dohme", "SC", "0.5", date(2021, 8, 6)),
    Vaccine("83", "Hep A, ped/adol, 2 dose", "GlaxoSmithKline", "IM", "0.5", date(2021, 10, 15)),
    Vaccine("115", "Tdap", "GlaxoSmithKline", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("165", "HPV9", "Merck Sharp & Dohme", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("114", "Meningococcal MCV4P", "Sanofi Pasteur", "IM", "0.5", date(2021, 8, 6)),
    Vaccine("187", "Zoster recombinant", "GlaxoSmithKline", "IM", "0.5", date(2023, 5, 12)),
    Vaccine("33", "Pneumococcal polysaccharide PPV23", "Merck Sharp & Dohme", "IM", "0.5",
            date(2021, 10, 30)),
    Vaccine("150", "Influenza, split virus, quadrivalent, PF", "Sanofi Pasteur", "IM", "0.5",
            date(2021, 8, 6)),
    Vaccine("140", "Influenza, split virus, trivalent, PF", "Sanofi Pasteur", "IM", "0.5",
            date(2024, 8, 6)),
    Vaccine("197", "Influenza, high-dose, quadrivalent, PF", "Sanofi Pasteur", "IM", "0.7",
            date(2021, 8, 6)),
    Vaccine("135", "Influenza, high-dose, trivalent, PF", "Sanofi Pasteur", "IM", "0.5",
            date(2024, 8, 6)),
)}

#: Routine childhood doses: (age in days at which the dose is due, CVX, dose number).
CHILD_SCHEDULE: tuple[tuple[int, str, int], ...] = (
    (0, "08", 1),
    (30, "08", 2),
    (61, "20", 1), (61, "10", 1), (61, "49", 1), (61, "PCV", 1), (61, "116", 1),
    (122, "20", 2), (122, "10", 2), (122, "49", 2), (122, "PCV", 2), (122, "116", 2),
    (183, "20", 3), (183, "10", 3), (183, "PCV", 3), (183, "116", 3), (183, "08", 3),
    (365, "03", 1), (365, "21", 1), (365, "83", 1), (365, "49", 3), (365, "PCV", 4),
    (457, "20", 4),
    (548, "83", 2),
    (1461, "20", 5), (1461, "10", 4), (1461, "03", 2), (1461, "21", 2),
    (4018, "115", 1), (4018, "165", 1), (4018, "114", 1),
    (4200, "165", 2),
    (5844, "114", 2),
)

#: Childhood well-visit ages (days after birth) and their labels, from Bright Futures.
WELL_CHILD_AGES: tuple[tuple[int, str], ...] = (
    (4, "newborn"), (30, "1 month"), (61, "2 months"), (122, "4 months"), (183, "6 months"),
    (274, "9 months"), (365, "12 months"), (457, "15 months"), (548, "18 months"),
    (730, "24 months"), (913, "30 months"),
    *((round(365.25 * year), f"{year} years") for year in range(3, 18)),
)

VACCINE_SOURCES = ("State immunization registry (IIS)", "Previous provider's records",
                   "Patient-held vaccination card", "Community pharmacy")
REFUSAL_REASONS = ("Patient declined: concerned about side effects",
                   "Parent declined: prefers to wait until next visit",
                   "Patient declined: does not want vaccines today",
                   "Religious exemption on file")


def pcv_cvx(when: date) -> str:
    """PCV13 until PCV20 replaced it in the demo practice's stock (mid-2023)."""
    return "133" if when < date(2023, 7, 1) else "216"


def flu_cvx(when: date, age: int) -> str:
    """Quadrivalent until the 2024-25 season, trivalent since; high dose from 65."""
    season_2024 = when >= date(2024, 7, 1)
    if age >= 65:
        return "135" if season_2024 else "197"
    return "140" if season_2024 else "150"


def injection_site(age_days: int, rng_pick: int) -> str:
    """Infants get IM/SC injections in the thigh, everyone else in the deltoid."""
    side = "left" if rng_pick % 2 == 0 else "right"
    if age_days < 3 * 365:
        return f"{side} anterolateral thigh"
    return f"{side} deltoid"
