"""Escaping (nothing in patient text is markup) and text in any script (embedded, extractable)."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from emr_desktop.printing import samples
from emr_desktop.printing.data import PatientLine, PrintSettings
from emr_desktop.printing.fonts import FALLBACK, SANS, SANS_BOLD, ensure_fonts
from emr_desktop.printing.markup import escape, markup, runs
from emr_desktop.printing.prescription import build_prescriptions
from emr_desktop.printing.visit_summary import build_visit_summary
from tests.printing.pdf import contains, page_fonts, pages_text

INJECTION = """<font color="[[[__import__('os').system('touch /tmp/pwn')]]]">"""
IMG = '<img src="/etc/passwd"/>'
PWN = Path("/tmp/pwn")

# An audit hook sees every file open, process start and exec in the process, including any that
# reportlab might do while parsing markup. Hooks cannot be removed: this one only records while a
# test has switched it on.
_EVENTS: list[tuple[str, tuple[Any, ...]]] = []
_RECORDING = [False]


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _RECORDING[0] and (event in {"open", "exec", "compile", "os.system", "subprocess.Popen",
                                    "os.exec", "os.posix_spawn", "os.spawn", "os.fork"}):
        _EVENTS.append((event, args))


sys.addaudithook(_audit)


def test_escape_covers_markup_characters() -> None:
    assert escape("""<b a="x" c='y'>&amp;""") == "&lt;b a=&quot;x&quot; c=&#39;y&#39;&gt;&amp;amp;"
    assert escape("a\x00b\x07c\td") == "abc d"


def test_decomposed_letters_are_composed() -> None:
    decomposed = "Nguye\u0302\u0303n Ordo\u0301n\u0303ez"
    assert escape(decomposed) == "Nguyễn Ordóñez"
    patient = replace(samples.PATIENT, name=decomposed)
    (text,) = pages_text(build_prescriptions([samples.prescription(patient=patient)], PrintSettings()))
    assert contains(text, "Patient: Nguyễn Ordóñez")


def test_markup_wraps_only_what_the_base_font_lacks() -> None:
    ensure_fonts()
    assert runs("Nguyễn 王芳 Αλέξανδρος") == [(SANS, "Nguyễn "), (FALLBACK, "王芳 "), (SANS, "Αλέξανδρος")]
    assert markup("王<芳>") == '<font name="EmrFallback">王</font>&lt;<font name="EmrFallback">芳</font>&gt;'
    assert markup("a\nb") == "a<br/>b"
    assert runs("Ordóñez", SANS_BOLD) == [(SANS_BOLD, "Ordóñez")]


def _hostile() -> tuple[PatientLine, str]:
    name = f"{INJECTION} {IMG}"
    patient = PatientLine(name=name, birth_date=date(1970, 5, 6), mrn="<b>007</b>",
                          address_lines=(IMG, "&lt;script&gt; & Co"))
    return patient, name


def test_injection_prints_literally_nothing_runs_nothing_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    patient, name = _hostile()
    pwn_before = PWN.stat().st_mtime_ns if PWN.exists() else None
    calls: list[str] = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command) or 1)
    ensure_fonts()  # font files are read once per process; not part of what is watched
    summary = replace(samples.visit_summary(patient=patient), reason=INJECTION, plan=IMG,
                      provider=INJECTION)
    rx = replace(samples.prescription(patient=patient), sig=INJECTION, drug=IMG, pharmacy=INJECTION)
    _EVENTS.clear()
    _RECORDING[0] = True
    try:
        summary_pdf = build_visit_summary(summary, PrintSettings())
        rx_pdf = build_prescriptions([rx], PrintSettings())
    finally:
        _RECORDING[0] = False
    assert calls == []
    assert [e for e in _EVENTS if e[0] != "open"] == []
    opened = [str(args[0]) for _, args in _EVENTS]
    assert not [p for p in opened if "passwd" in p or "pwn" in p], opened
    assert (PWN.stat().st_mtime_ns if PWN.exists() else None) == pwn_before

    summary_text = "\n".join(pages_text(summary_pdf))
    rx_text = "\n".join(pages_text(rx_pdf))
    for text in (summary_text, rx_text):
        assert contains(text, INJECTION) and contains(text, IMG)
        assert contains(text, name)
        assert contains(text, "<b>007</b>") or contains(text, "&lt;script&gt; & Co")
    assert contains(summary_text, "MRN <b>007</b>")
    assert contains(rx_text, "&lt;script&gt; & Co")


def test_builders_write_no_file() -> None:
    ensure_fonts()
    _EVENTS.clear()
    _RECORDING[0] = True
    try:
        build_visit_summary(samples.visit_summary(medication_count=40), PrintSettings())
        build_prescriptions([samples.prescription(), samples.prescription(controlled=True)],
                            PrintSettings(prescriptions_per_page=2))
    finally:
        _RECORDING[0] = False
    writes = [args for event, args in _EVENTS if event == "open"
              and (any(m in str(args[1]) for m in "wax+") or int(args[2] or 0) & (os.O_WRONLY | os.O_RDWR))]
    assert writes == []


NAMES = ["Ordóñez", "Nguyễn Thị Hồng", "王芳", "Αλέξανδρος Παπαδόπουλος"]


@pytest.mark.parametrize("name", NAMES)
def test_non_latin_names_render_and_extract(name: str) -> None:
    patient = replace(samples.PATIENT, name=name)
    summary_pdf = build_visit_summary(samples.visit_summary(patient=patient), PrintSettings())
    rx_pdf = build_prescriptions([samples.prescription(patient=patient)], PrintSettings())
    cjk = any(0x4E00 <= ord(c) <= 0x9FFF for c in name)
    for pdf in (summary_pdf, rx_pdf):
        texts = pages_text(pdf)
        assert all(contains(t, name) for t in texts[:1])
        fonts = set().union(*page_fonts(pdf))
        names = {f.base_font for f in fonts}
        assert all(f.embedded for f in fonts), f"a font is not embedded: {fonts}"
        assert {"DejaVuSans", "DejaVuSans-Bold"} <= names
        assert ("DroidSansFallback" in names) == cjk, names
    if cjk:  # the running header on every page carries the name too
        assert all(contains(t, name) for t in pages_text(summary_pdf))


def test_mixed_scripts_in_one_line_extract_in_order() -> None:
    name = "王芳 (Wang Fang) Ordóñez-Nguyễn Αλέξανδρος"
    patient = replace(samples.PATIENT, name=name)
    texts = pages_text(build_prescriptions([samples.prescription(patient=patient)], PrintSettings()))
    assert contains(texts[0], f"Patient: {name}")
