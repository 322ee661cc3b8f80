"""Code systems the pickers search: ICD-10-CM for the problem list (``icd10``), CVX for
immunizations (``cvx``). Pure Python, no Qt, no patient data; each module builds its index lazily on
first use and keeps it in memory."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    """One entry of a code system, as a picker shows and returns it."""

    system: str      # canonical URI, e.g. codes.ICD10CM
    code: str        # as written in the chart, e.g. "E11.9", "08"
    display: str
    #: ICD-10-CM: specific enough for the problem list and claims (a leaf code).
    #: CVX: the vaccine is active (in US use now); inactive codes are for historical doses.
    billable: bool = True
    #: A short remark the picker shows next to the description ("Inactive", "Not billable").
    detail: str = ""


_WORD_SPLIT = re.compile(r"[^0-9a-z]+")
_APOSTROPHES = re.compile(r"['\u2019]")


def fold(text: str) -> str:
    """Lowercase, accents dropped, apostrophes removed ("Alzheimer's" -> "alzheimers")."""
    if text.isascii():
        return text.lower().replace("'", "")
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _APOSTROPHES.sub("", plain.casefold())


def words(text: str) -> list[str]:
    """The folded words of ``text`` (split at anything that is not a letter or digit)."""
    return [w for w in _WORD_SPLIT.split(fold(text)) if w]
