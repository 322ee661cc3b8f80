"""CVX vaccine codes (CDC NCIRD, public domain) for the immunization picker.

The table is ``resources/terminology/cvx.txt`` in CDC's own pipe-delimited layout, one vaccine a
line: CVX code | short description | full vaccine name | note | status | nonvaccine | last updated.
A practice may drop in CDC's current file unchanged (see resources/terminology/README.md). It is
read once, on first use.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

from emr_desktop.config import RESOURCES_DIR
from emr_desktop.domain.codes import CVX
from emr_desktop.terminology import Code, fold, words

__all__ = ["Vaccine", "by_code", "search", "table_path", "load_table"]

ACTIVE = "Active"


@dataclass(frozen=True, slots=True)
class Vaccine:
    cvx: str
    short_name: str
    full_name: str
    note: str = ""
    #: CDC's VaccineStatus: Active, Inactive, Never Active, Non-US, Pending.
    status: str = ACTIVE
    #: Not a vaccine (immune globulin, "no vaccine administered", adjuvants).
    nonvaccine: bool = False
    last_updated: str = ""

    @property
    def active(self) -> bool:
        return self.status.casefold() == ACTIVE.casefold()

    def as_code(self) -> Code:
        detail = self.full_name if self.active else f"{self.status}: {self.full_name}"
        return Code(CVX, self.cvx, self.short_name, self.active, detail)


def _key(code: str) -> str:
    """"8", "08" and " 08 " are the same code (CDC pads codes below 10 with a zero)."""
    code = code.strip()
    return (code.lstrip("0") or "0") if code.isdigit() else code.upper()


def table_path() -> Path:
    return RESOURCES_DIR / "terminology" / "cvx.txt"


def parse_table(text: str) -> list[Vaccine]:
    """CDC's cvx.txt: no header, '|' between fields, trailing blanks; a header line is skipped."""
    vaccines: list[Vaccine] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 5 or not parts[0] or not parts[0][0].isdigit():
            continue  # blank line, header, or something that is not a row
        parts += [""] * (7 - len(parts))
        code, short, full, note, status, nonvaccine, updated = parts[:7]
        vaccines.append(Vaccine(cvx=code, short_name=short or full, full_name=full or short, note=note,
                                status=status or ACTIVE,
                                nonvaccine=nonvaccine.casefold() in {"true", "1", "yes"},
                                last_updated=updated))
    return vaccines


def load_table(path: Path) -> list[Vaccine]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # CDC's download has been Windows-1252 at times
        text = data.decode("cp1252", errors="replace")
    return parse_table(text)


@dataclass(frozen=True, slots=True)
class _Index:
    vaccines: tuple[Vaccine, ...]
    by_key: dict[str, Vaccine]
    folded: tuple[str, ...]   # " word word ..." over short and full name


_lock = threading.Lock()
_index: _Index | None = None


def _get() -> _Index:
    global _index
    index = _index
    if index is None:
        with _lock:
            if _index is None:
                vaccines = tuple(load_table(table_path()))
                _index = _Index(
                    vaccines=vaccines, by_key={_key(v.cvx): v for v in vaccines},
                    folded=tuple(" " + " ".join(words(f"{v.short_name} {v.full_name}")) for v in vaccines))
            index = _index
    return index


def all_vaccines() -> tuple[Vaccine, ...]:
    return _get().vaccines


def by_code(cvx: str) -> Vaccine | None:
    """The table's entry for one CVX code ("08" or "8"), or None."""
    return _get().by_key.get(_key(cvx))


#: Everyday words for what the CDC names otherwise ("flu" -> influenza).
ALIASES: dict[str, str] = {
    "flu": "influenza", "shingles": "zoster", "chickenpox": "varicella", "whooping": "pertussis",
    "pneumonia": "pneumococcal", "rsv": "respiratory", "hpv": "papillomavirus", "covid": "sars",
}


def _alternatives(word: str) -> tuple[str, ...]:
    """The folded word and the names it is everyday speech for ("flu" also finds influenza)."""
    extra = tuple(target for alias, target in ALIASES.items() if len(word) >= 3 and alias.startswith(word))
    return (word, *extra)


def search(query: str, *, include_inactive: bool = False, limit: int = 50) -> list[Code]:
    """Vaccines whose CVX code is ``query`` or whose short or full name has words starting with every
    query word (an empty query lists the table). Active vaccines first; inactive ones (for historical
    doses) only when asked; then the code itself, names starting as typed, the words in a row, the
    words anywhere; vaccines before immune globulins and other non-vaccines."""
    index = _get()
    text = query.strip()
    typed = words(text)
    wanted = [tuple(" " + alt for alt in _alternatives(w)) for w in typed]
    phrases = [" ".join(p) for p in itertools.islice(itertools.product(*map(_alternatives, typed)), 16)]
    code = _key(text) if text.isdigit() else None
    ranked: list[tuple[tuple[bool, int, bool, str], Vaccine]] = []
    for vaccine, folded in zip(index.vaccines, index.folded, strict=True):
        if not (include_inactive or vaccine.active):
            continue
        if code is not None and _key(vaccine.cvx) == code:
            group = 0
        elif not typed:
            group = 3
        elif all(any(alt in folded for alt in alts) for alts in wanted):
            short = " ".join(words(vaccine.short_name))
            group = min(1 if short.startswith(p) else 2 if " " + p in folded else 3 for p in phrases)
        else:
            continue
        ranked.append(((not vaccine.active, group, vaccine.nonvaccine, fold(vaccine.short_name)), vaccine))
    ranked.sort(key=lambda item: item[0])
    return [v.as_code() for _, v in ranked[:limit]]
