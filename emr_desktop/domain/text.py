"""Text normalisation used for search keys. Punctuation is kept, so searches stay literal."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Case- and accent-insensitive key: 'Ordóñez' -> 'ordonez', 'Nguyễn' -> 'nguyen'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped.casefold()).strip()


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def prefix_upper_bound(prefix: str) -> str:
    """Exclusive upper bound for a BINARY-collated range scan equal to 'starts with prefix'."""
    return prefix + "\U0010ffff"
