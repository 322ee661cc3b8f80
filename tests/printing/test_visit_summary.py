"""The visit summary PDF: every field extracts, pages, running header, paper and margins."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from emr_desktop.printing import samples
from emr_desktop.printing.data import MedicationLine, PrintSettings
from emr_desktop.printing.visit_summary import build_visit_summary
from tests.printing.pdf import contains, missing, page_sizes, pages_text, text_extent

LETTER = (612.0, 792.0)
A4 = (595.3, 841.9)


def test_every_field_is_printed() -> None:
    data = samples.visit_summary()
    text = "\n".join(pages_text(build_visit_summary(data, PrintSettings())))
    wanted = [
        data.practice.name, *data.practice.address_lines, data.practice.phone, data.practice.fax,
        "Visit Summary", data.patient.name, "03/14/1958", data.patient.mrn, "03/04/2025 9:30 AM",
        data.provider, data.reason,
        *[part for pair in data.vitals for part in pair],
        *[part for pair in data.problems_addressed for part in pair],
        *[m.display for m in data.medications], *[m.sig for m in data.medications],
        *[m.note for m in data.medications if m.note],
        "Started at this visit", "Changed at this visit", "Stopped at this visit", "Current medications",
        *data.allergies, *data.immunizations_given,
        *[part for row in data.results_reviewed for part in row if part],
        data.plan, *data.instructions.split("\n"), data.follow_up, *data.due,
        "Page 1 of",
    ]
    assert missing(text, wanted) == []


def test_empty_sections_say_none_recorded() -> None:
    data = replace(samples.visit_summary(), allergies=(), medications=(), results_reviewed=(),
                   immunizations_given=(), due=(), vitals=(), problems_addressed=())
    text = "\n".join(pages_text(build_visit_summary(data, PrintSettings())))
    assert text.count("None recorded.") == 7
    assert contains(text, "Allergies") and contains(text, data.plan)


def test_forty_medications_paginate_with_header_on_every_page() -> None:
    meds = tuple(MedicationLine(display=f"Testdrug {i:02d} 10 mg tablet", sig="Take 1 tablet daily",
                                change="current") for i in range(1, 41))
    data = replace(samples.visit_summary(), medications=meds)
    pages = pages_text(build_visit_summary(data, PrintSettings()))
    count = len(pages)
    assert count >= 2
    for number, text in enumerate(pages, start=1):
        assert contains(text, data.patient.name), f"page {number} lacks the patient name"
        assert contains(text, "DOB 03/14/1958"), f"page {number} lacks the date of birth"
        assert contains(text, f"Page {number} of {count}"), f"page {number} lacks its number"
    # the medication table splits between rows and repeats its column headings
    med_pages = [t for t in pages if "Testdrug" in t]
    assert len(med_pages) >= 2
    for text in med_pages:
        assert contains(text, "Medication How to take Note")
    printed = [int(n) for t in pages for n in re.findall(r"Testdrug (\d\d)", t)]
    assert printed == list(range(1, 41)), "every row once, in order, none cut in half"


@pytest.mark.parametrize(("paper", "size"), [("letter", LETTER), ("a4", A4)])
def test_paper_size(paper: str, size: tuple[float, float]) -> None:
    pdf = build_visit_summary(samples.visit_summary(medication_count=30), PrintSettings(paper=paper))
    sizes = page_sizes(pdf)
    assert len(sizes) >= 2 and all(s == size for s in sizes)


def test_margins_move_content() -> None:
    data = samples.visit_summary()
    narrow = text_extent(build_visit_summary(data, PrintSettings()))
    wide = text_extent(build_visit_summary(data, PrintSettings(margin_left_mm=40, margin_top_mm=35)))
    mm = 72 / 25.4
    assert narrow[0] == pytest.approx(15 * mm, abs=1.5)
    assert wide[0] == pytest.approx(40 * mm, abs=1.5)
    assert narrow[3] - wide[3] == pytest.approx(20 * mm, abs=1.5)  # top of the text moved down


def test_bottom_margin_is_respected() -> None:
    data = samples.visit_summary()
    for bottom in (10, 30):
        _, low, _, _ = text_extent(build_visit_summary(data, PrintSettings(margin_bottom_mm=bottom)))
        assert low >= bottom * 72 / 25.4 - 0.5


def test_margins_that_leave_no_room_are_refused() -> None:
    with pytest.raises(ValueError):
        PrintSettings(margin_left_mm=100)
    with pytest.raises(ValueError):
        PrintSettings(prescriptions_per_page=5)
    with pytest.raises(ValueError):
        PrintSettings(paper="legal")
