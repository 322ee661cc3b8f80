"""Quantities in words for prescriptions ("30 (thirty)"), so a figure cannot be altered unseen.

Whole numbers up to 999,999,999 and common fractions (halves, quarters); any other decimal is
read digit by digit after "point" ("2.3" -> "two point three"). No dependency needed for this.
"""

from __future__ import annotations

from decimal import Decimal

_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((1_000_000, "million"), (1_000, "thousand"))
_FRACTIONS = {Decimal("0.5"): "one half", Decimal("0.25"): "one quarter",
              Decimal("0.75"): "three quarters"}


def _below_thousand(n: int) -> str:
    parts: list[str] = []
    if n >= 100:
        parts.append(f"{_ONES[n // 100]} hundred")
        n %= 100
    if n >= 20:
        parts.append(_TENS[n // 10] + (f"-{_ONES[n % 10]}" if n % 10 else ""))
    elif n or not parts:
        parts.append(_ONES[n])
    return " ".join(parts)


def integer_words(n: int) -> str:
    """``1234`` -> ``"one thousand two hundred thirty-four"`` (0 <= n < 10**9)."""
    if not 0 <= n < 1_000_000_000:
        raise ValueError("number out of range for words")
    if n < 1000:
        return _below_thousand(n)
    parts: list[str] = []
    for scale, name in _SCALES:
        if n >= scale:
            parts.append(f"{_below_thousand(n // scale)} {name}")
            n %= scale
    if n:
        parts.append(_below_thousand(n))
    return " ".join(parts)


def _decimal(value: float | int | Decimal) -> Decimal:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite() or number < 0:
        raise ValueError("quantity must be a finite, non-negative number")
    return number


def figures(value: float | int | Decimal) -> str:
    """``30.0`` -> ``"30"``, ``7.50`` -> ``"7.5"``."""
    number = _decimal(value)
    text = format(number.normalize(), "f")
    return text


def quantity_words(value: float | int | Decimal) -> str:
    """``30`` -> ``"thirty"``; ``7.5`` -> ``"seven and one half"``; ``0.5`` -> ``"one half"``;
    ``2.3`` -> ``"two point three"``."""
    number = _decimal(value)
    whole = int(number)
    fraction = number - whole
    if not fraction:
        return integer_words(whole)
    if fraction in _FRACTIONS:
        return _FRACTIONS[fraction] if whole == 0 else f"{integer_words(whole)} and {_FRACTIONS[fraction]}"
    digits = format(fraction.normalize(), "f").split(".")[1]
    return f"{integer_words(whole)} point " + " ".join(_ONES[int(d)] for d in digits)
