"""Check-digit validation of identifiers printed on prescriptions and claims."""

from __future__ import annotations

from stdnum import luhn


def is_valid_npi(npi: str) -> bool:
    """US National Provider Identifier: 10 digits, Luhn over the '80840' prefix (CMS spec)."""
    return len(npi) == 10 and npi.isdigit() and luhn.is_valid("80840" + npi)


def is_valid_dea(dea: str) -> bool:
    """DEA registration number: 2 letters + 7 digits; check digit = last digit of
    (d1+d3+d5) + 2*(d2+d4+d6)."""
    if len(dea) != 9 or not dea[:2].isalpha() or not dea[2:].isdigit():
        return False
    d = [int(c) for c in dea[2:]]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10 == d[6]
