"""Developer tool: write ``resources/terminology/cvx.txt`` (CDC's pipe-delimited CVX layout) from an
OBO export of the CVX code set.

    .venv/bin/python tools/make_cvx_table.py /work/shared/data/cvx/cvx.obo

The OBO file (PyOBO's export of the CDC NCIRD CVX table, public domain) keeps the full vaccine name,
the short description as a synonym, the note, the status and the non-vaccine flag, but not CDC's
"last updated" date, so that column is left empty. A practice replaces the generated file with
CDC's own cvx.txt (see resources/terminology/README.md); the reader accepts both.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "resources" / "terminology" / "cvx.txt"

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text).strip()


def _clean(text: str) -> str:
    """One line, no field separator."""
    return " ".join(text.replace("|", "/").split())


def parse_obo(text: str) -> list[dict[str, str]]:
    terms: list[dict[str, str]] = []
    for stanza in text.split("\n\n"):
        lines = stanza.strip().splitlines()
        if not lines or lines[0] != "[Term]":
            continue
        term = {"code": "", "name": "", "short": "", "note": "", "status": "", "nonvaccine": "False"}
        for line in lines[1:]:
            tag, _, value = line.partition(": ")
            if tag == "id" and value.startswith("cvx:"):
                term["code"] = value[4:].strip()
            elif tag == "name":
                term["name"] = _unescape(value)
            elif tag == "comment":
                match = _QUOTED.match(value)
                term["note"] = _unescape(match.group(1) if match else value)
            elif tag == "synonym" and not term["short"]:
                match = _QUOTED.match(value)
                if match:
                    term["short"] = _unescape(match.group(1))
            elif tag == "property_value":
                prop, _, rest = value.partition(" ")
                match = _QUOTED.match(rest)
                if match and prop == "status":
                    term["status"] = match.group(1)
                elif match and prop == "nonvaccine":
                    term["nonvaccine"] = "True" if match.group(1) == "true" else "False"
        if term["code"] and term["name"]:
            term["short"] = term["short"] or term["name"]  # CDC's short name is the full one then
            terms.append(term)
    return sorted(terms, key=lambda t: (int(t["code"]) if t["code"].isdigit() else 10**6, t["code"]))


def render(terms: list[dict[str, str]]) -> str:
    """CVX Code|CVX Short Description|Full Vaccine Name|Note|VaccineStatus|nonvaccine|last updated"""
    lines = ["|".join(_clean(t[k]) for k in ("code", "short", "name", "note", "status", "nonvaccine")) + "|"
             for t in terms]
    return "\n".join(lines) + "\n"


def main() -> None:
    source = Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/cvx/cvx.obo")
    terms = parse_obo(source.read_text(encoding="utf-8"))
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(render(terms), encoding="utf-8")
    print(f"{len(terms)} CVX codes written to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
