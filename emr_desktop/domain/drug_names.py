"""How a drug is named on screen and on paper: RxNorm-style names already carry strength and form
("omeprazole 20 MG Delayed Release Oral Capsule"); a separate strength or form is added only when
the name does not say it already."""

from __future__ import annotations

import re

_WORD = re.compile(r"[0-9a-z.]+")


def mentions(name: str, part: str) -> bool:
    """Whether every word of ``part`` is in ``name`` ("delayed release capsule" is in "... Delayed
    Release Oral Capsule")."""
    words = set(_WORD.findall(name.lower()))
    wanted = _WORD.findall(part.lower())
    return bool(wanted) and all(w in words for w in wanted)


def drug_label(name: str, strength: str = "", form: str = "") -> str:
    """"lisinopril" + "10 mg" + "tablet" -> "lisinopril 10 mg tablet"; nothing said twice."""
    parts = [name.strip()] + [p.strip() for p in (strength, form) if p.strip() and not mentions(name, p)]
    return " ".join(p for p in parts if p)
