"""How staff are named on screen and on paper."""

from __future__ import annotations


def with_credentials(name: str, credentials: str) -> str:
    """"Dana Smith" + "MD" -> "Dana Smith, MD"; a name that already ends with its credentials
    (as the demo's "Helen Marsh, MD") is left as it is."""
    name, credentials = name.strip(), credentials.strip()
    if not credentials or name.endswith(credentials):
        return name
    return f"{name}, {credentials}" if name else credentials
