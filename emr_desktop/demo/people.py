"""Synthetic people: the practice and its staff, name pools drawn from a seeded Faker, and the
identifiers printed on forms (NPI, DEA, Medicare MBI), all fictional.

Phone numbers use the 555-0100..0199 range reserved for fiction, e-mail addresses the reserved
example.com/.net/.org domains.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from faker import Faker
from stdnum import luhn

from emr_desktop.domain.enums import Role
from emr_desktop.domain.identifiers import is_valid_dea, is_valid_npi

PRACTICE_NAME = "Maple Grove Family Medicine"
WORKSTATION_NAME = "front-desk-1"
PRACTICE_TIME_ZONE = "America/Chicago"
AREA_CODES = ("763", "612", "952", "651")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass(frozen=True, slots=True)
class Locale:
    """A Faker locale, how often it occurs, the language its speakers may prefer, and how often
    they need an interpreter."""

    faker: str
    weight: float
    language: str
    speaks_language: float  # share preferring ``language`` over English
    interpreter: float  # share of those needing an interpreter


LOCALES: tuple[Locale, ...] = (
    Locale("en_US", 80, "en", 1.0, 0.0),
    Locale("es_MX", 11, "es", 0.6, 0.45),
    Locale("vi_VN", 5, "vi", 0.55, 0.5),
    Locale("zh_CN", 4, "zh", 0.5, 0.5),
)

#: Towns around the practice and their ZIP codes.
TOWNS: tuple[tuple[str, str], ...] = (
    ("Maple Grove", "55311"), ("Maple Grove", "55369"), ("Plymouth", "55441"),
    ("Plymouth", "55447"), ("Brooklyn Park", "55443"), ("Brooklyn Park", "55445"),
    ("Osseo", "55369"), ("Rogers", "55374"), ("Champlin", "55316"), ("Dayton", "55327"),
    ("Corcoran", "55340"),
)
STATE = "MN"

NICKNAMES: dict[str, str] = {
    "William": "Bill", "Robert": "Bob", "Richard": "Rick", "James": "Jim", "Joseph": "Joe",
    "Michael": "Mike", "Thomas": "Tom", "Christopher": "Chris", "Daniel": "Dan",
    "Matthew": "Matt", "Anthony": "Tony", "Elizabeth": "Liz", "Jennifer": "Jen",
    "Katherine": "Kate", "Margaret": "Peggy", "Patricia": "Pat", "Rebecca": "Becky",
    "Samantha": "Sam", "Victoria": "Tori", "Alexander": "Alex", "Jonathan": "Jon",
    "Nicholas": "Nick", "Benjamin": "Ben", "Jessica": "Jess", "Deborah": "Deb",
    "Francisco": "Paco", "José": "Pepe", "Guadalupe": "Lupe", "Alejandro": "Alex",
}
ENGLISH_NAMES = ("Kevin", "Lily", "Tony", "Amy", "Jenny", "David", "Michael", "Linda", "Helen",
                 "Peter", "Annie", "Vivian", "Eric", "Grace")


@dataclass(frozen=True, slots=True)
class NamePool:
    female: tuple[str, ...]
    male: tuple[str, ...]
    family: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Pools:
    """Everything drawn from Faker once per run (seeded), then sampled with per-patient RNGs."""

    names: dict[str, NamePool]
    streets: tuple[str, ...]
    occupations: tuple[str, ...]


def build_pools(seed: int, size: int = 300) -> Pools:
    faker = Faker([loc.faker for loc in LOCALES])
    faker.seed_instance(seed)
    names: dict[str, NamePool] = {}
    for loc in LOCALES:
        gen = faker[loc.faker]
        names[loc.faker] = NamePool(
            female=_unique(gen.first_name_female() for _ in range(size)),
            male=_unique(gen.first_name_male() for _ in range(size)),
            family=_unique(gen.last_name() for _ in range(size)),
        )
    us = faker["en_US"]
    streets = _unique(us.street_name() for _ in range(size))
    occupations = _unique(us.job() for _ in range(size // 2))
    return Pools(names=names, streets=streets, occupations=occupations)


def _unique(draws: Iterable[str]) -> tuple[str, ...]:
    """Distinct values in first-seen order (a dict, not a set: the order must not depend on
    string hashing, which changes between runs)."""
    return tuple(dict.fromkeys(draws))


# --- phones, e-mail, addresses ---------------------------------------------------------------

def phone(rng: random.Random) -> str:
    return f"({rng.choice(AREA_CODES)}) 555-01{rng.randrange(100):02d}"


def email(rng: random.Random, given: str, family: str) -> str:
    local = "".join(ch for ch in f"{given}.{family}".lower() if ch.isascii() and (ch.isalnum()
                                                                                 or ch == "."))
    local = local.strip(".") or "patient"
    return f"{local}{rng.randrange(10, 999)}@{rng.choice(EMAIL_DOMAINS)}"


def street_address(rng: random.Random, pools: Pools) -> tuple[str, str]:
    line1 = f"{rng.randrange(100, 19999)} {rng.choice(pools.streets)}"
    line2 = rng.choice(("Apt 2B", "Apt 114", "Unit 7", "Apt 305", "Suite 3")) if rng.random() < 0.15 else ""
    return line1, line2


# --- identifiers -------------------------------------------------------------------------------

def make_npi(rng: random.Random) -> str:
    """A 10-digit NPI with a valid check digit (CMS: Luhn over the '80840' prefix)."""
    body = f"{rng.choice('12')}{rng.randrange(10**8):08d}"
    npi = body + luhn.calc_check_digit("80840" + body)
    assert is_valid_npi(npi)
    return npi


def make_dea(rng: random.Random, family_name: str, *, mid_level: bool) -> str:
    """A DEA number: registrant type letter, the initial of the family name, 6 digits and the
    check digit ((d1+d3+d5) + 2*(d2+d4+d6)) mod 10."""
    d = [rng.randrange(10) for _ in range(6)]
    check = (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10
    dea = ("M" if mid_level else rng.choice("BF")) + family_name[0].upper() + "".join(map(str, d)) + str(check)
    assert is_valid_dea(dea)
    return dea


_MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # CMS excludes S, L, O, I, B, Z


def make_mbi(rng: random.Random) -> str:
    """A Medicare Beneficiary Identifier in the CMS format (C A AN N A AN N A A N N); synthetic."""
    alnum = _MBI_LETTERS + "0123456789"
    pattern = ("C", "A", "AN", "N", "A", "AN", "N", "A", "A", "N", "N")
    out = []
    for kind in pattern:
        if kind == "C":
            out.append(str(rng.randrange(1, 10)))
        elif kind == "N":
            out.append(str(rng.randrange(10)))
        elif kind == "A":
            out.append(rng.choice(_MBI_LETTERS))
        else:
            out.append(rng.choice(alnum))
    return "".join(out)


def member_id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(9))


# --- the practice and its staff ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StaffSpec:
    username: str
    given: str
    family: str
    credentials: str
    role: str

    @property
    def display_name(self) -> str:
        suffix = f", {self.credentials}" if self.credentials else ""
        return f"{self.given} {self.family}{suffix}"


STAFF: tuple[StaffSpec, ...] = (
    StaffSpec("hmarsh", "Helen", "Marsh", "MD", Role.PROVIDER.value),
    StaffSpec("sortega", "Samuel", "Ortega", "DO", Role.PROVIDER.value),
    StaffSpec("pvance", "Priya", "Vance", "NP", Role.PROVIDER.value),
    StaffSpec("jlindgren", "Joy", "Lindgren", "RN", Role.NURSE.value),
    StaffSpec("mtran", "Minh", "Tran", "MA", Role.NURSE.value),
    StaffSpec("kbell", "Kara", "Bell", "", Role.FRONT_DESK.value),
    StaffSpec("rquinn", "Ray", "Quinn", "", Role.BILLING.value),
)


def practice_details(rng: random.Random) -> dict[str, str]:
    return {
        "address_line1": "1200 Orchard Lane, Suite 100",
        "city": "Maple Grove",
        "state": STATE,
        "postal_code": "55369",
        "phone": "(763) 555-0100",
        "fax": "(763) 555-0101",
        "npi": make_npi(rng),
        "tax_id": "41-5550100",
        "time_zone": PRACTICE_TIME_ZONE,
    }


# --- insurance ---------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Payer:
    name: str
    payer_id: str
    plans: tuple[str, ...]
    member_prefix: str
    copay_cents: int | None


MEDICARE = Payer("Medicare Part B", "MCRB-DEMO", ("Original Medicare",), "", None)
MEDIGAP = Payer("Evergreen Medigap (demo)", "EVG01", ("Medigap Plan G", "Medigap Plan N"), "EVG",
                None)
MEDICAID = Payer("Minnesota Medical Assistance (demo)", "MA-DEMO", ("Families and Children",),
                 "MA", 0)
COMMERCIAL: tuple[Payer, ...] = (
    Payer("Lakeshore Health Plan (demo)", "LHP01", ("PPO 1500", "HMO Select", "HSA 3000"), "LHP",
          2500),
    Payer("Summit Mutual Insurance (demo)", "SMI22", ("Choice Plus", "Core EPO"), "SMI", 3000),
    Payer("Prairie Benefit Co. (demo)", "PBC07", ("Open Access", "Bronze 6000"), "PBC", 4000),
    Payer("Pinecrest Health Alliance (demo)", "PHA15", ("Gold PPO", "Silver HMO"), "PHA", 2000),
)
