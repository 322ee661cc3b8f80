"""ICD-10-CM search for the problem-list picker.

The code set is the CMS tabular list shipped by the ``simple_icd_10_cm`` package (public domain).
Importing that package takes over a second, so it is imported only when the index is first built
(``warm()``, which the UI calls in the background at start, or the first ``search``). The index
keeps, per code: the code, its description, the description folded for matching, and whether the
code is billable (a leaf: nothing more specific below it).

A query matches a code by prefix ("E11", "e11.9", "I10") or a description when every query word
starts a word of it ("type 2 diab" finds the E11 codes). Billable codes come first; then an exact
code, then code prefixes, then descriptions with the words in the order typed, then the other
description matches; shorter (less specific) codes before longer.
"""

from __future__ import annotations

import bisect
import heapq
import re
import threading
import warnings
from dataclasses import dataclass

from emr_desktop.domain.codes import ICD10CM
from emr_desktop.terminology import Code, words

__all__ = ["Code", "search", "warm", "lookup", "is_ready"]

NOT_BILLABLE = "Category: choose a more specific code"

_CODE_QUERY = re.compile(r"[A-Z]\d[0-9A-Z]{0,5}")


@dataclass(frozen=True, slots=True)
class _Index:
    #: Codes without the dot, upper case, sorted (prefix search with bisect).
    keys: tuple[str, ...]
    codes: tuple[str, ...]        # with the dot, as charted
    displays: tuple[str, ...]
    #: " word word word" - a word-prefix test is a substring test for " " + query word.
    folded: tuple[str, ...]
    billable: bytes               # 1 = leaf code


_lock = threading.Lock()
_index: _Index | None = None


def _build() -> _Index:
    with warnings.catch_warnings():  # it reads its data with importlib.resources' legacy calls
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as cm  # slow import (about 1.4 s): only here

    rows: list[tuple[str, str, str, str, int]] = []
    for code in cm.get_all_codes(with_dots=True):
        if cm.is_chapter_or_block(code):
            continue
        display = cm.get_description(code)
        key = code.replace(".", "").upper()
        rows.append((key, code, display, " " + " ".join(words(display)), 1 if cm.is_leaf(code) else 0))
    rows.sort()
    return _Index(
        keys=tuple(r[0] for r in rows), codes=tuple(r[1] for r in rows),
        displays=tuple(r[2] for r in rows), folded=tuple(r[3] for r in rows),
        billable=bytes(r[4] for r in rows),
    )


def _get() -> _Index:
    global _index
    index = _index
    if index is None:
        with _lock:
            if _index is None:
                _index = _build()
            index = _index
    return index


def warm() -> None:
    """Build the index now (call it off the GUI thread; it takes a second or two)."""
    _get()


_warming: threading.Thread | None = None


def warm_in_background() -> None:
    """Start building the index in a thread of its own (once), so neither the GUI nor the
    database worker waits for it when the picker is first used."""
    global _warming
    with _lock:
        if _index is not None or _warming is not None:
            return
        _warming = threading.Thread(target=warm, name="icd10-index", daemon=True)
    _warming.start()


def is_ready() -> bool:
    """Whether the index is built (the first search will not have to wait)."""
    return _index is not None


def _code_at(index: _Index, i: int) -> Code:
    billable = bool(index.billable[i])
    return Code(ICD10CM, index.codes[i], index.displays[i], billable,
                "" if billable else NOT_BILLABLE)


def lookup(code: str) -> Code | None:
    """The entry for one code ("E11.9" or "E119"), or None when it is not an ICD-10-CM code."""
    index = _get()
    key = code.strip().replace(".", "").upper()
    i = bisect.bisect_left(index.keys, key)
    if i < len(index.keys) and index.keys[i] == key:
        return _code_at(index, i)
    return None


def _code_matches(index: _Index, query: str) -> dict[int, int]:
    """Row -> rank group (0 = the code itself, 1 = a more specific code) for a code-like query."""
    text = query.strip().upper()
    if text.count(".") > 1:
        return {}
    key = text.replace(".", "")
    if not _CODE_QUERY.fullmatch(key) or ("." in text and text.index(".") != 3):
        return {}
    start = bisect.bisect_left(index.keys, key)
    end = bisect.bisect_left(index.keys, key + "\uffff", lo=start)
    return {i: 0 if index.keys[i] == key else 1 for i in range(start, end)}


def _word_matches(index: _Index, query: str) -> dict[int, int]:
    """Row -> rank group (2 = the words in a row, as typed; 3 = anywhere in the description)."""
    typed = words(query)
    needles = sorted({" " + w for w in typed}, key=len, reverse=True)  # most selective first
    if not needles:
        return {}
    first, rest = needles[0], needles[1:]
    phrase = " " + " ".join(typed)
    return {i: 2 if phrase in text else 3 for i, text in enumerate(index.folded)
            if first in text and all(n in text for n in rest)}


def search(query: str, limit: int = 50) -> list[Code]:
    """Codes matching ``query`` (a code prefix, or words starting words of the description),
    billable first, at most ``limit``. Builds the index on first use."""
    if not query.strip() or limit <= 0:
        return []
    index = _get()
    groups = _code_matches(index, query)
    for i, group in _word_matches(index, query).items():
        groups.setdefault(i, group)
    best = heapq.nsmallest(
        limit, groups,
        key=lambda i: (not index.billable[i], groups[i], len(index.keys[i]), index.keys[i]))
    return [_code_at(index, i) for i in best]
