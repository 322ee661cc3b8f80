"""Prescription PDFs: every field, DEA only when controlled, blocks per page, controlled alone."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from emr_desktop.printing import samples
from emr_desktop.printing.data import PrintSettings
from emr_desktop.printing.prescription import build_prescriptions, schedule_label
from tests.printing.pdf import contains, missing, page_sizes, pages_text, text_extent


def _ids(text: str) -> list[str]:
    return re.findall(r"RX-2025-\d{5}", "".join(text.split()))


def test_every_field_is_printed() -> None:
    rx = samples.prescription()
    (text,) = pages_text(build_prescriptions([rx], PrintSettings()))
    wanted = [
        rx.practice.name, *rx.practice.address_lines, rx.practice.phone,
        "Maria Alvarez, MD", "NPI 1245319599",
        rx.patient.name, "Date of birth: 03/14/1958", *rx.patient.address_lines,
        "Date: 03/04/2025", "Amoxicillin 500 mg capsule", rx.sig,
        "Quantity: 30 (thirty) capsules", "Refills: 1 (one)", "Days supply: 10",
        "Substitution permitted", rx.pharmacy, rx.note_to_pharmacist, "Signature", rx.prescription_id,
    ]
    assert missing(text, wanted) == []
    assert "DEA" not in text and rx.prescriber.dea_number not in text
    assert "Dispense as written" not in text


def test_dispense_as_written_and_quantity_in_words() -> None:
    rx = replace(samples.prescription(), substitution_allowed=False, quantity=7.5, quantity_unit="mL",
                 refills=0, days_supply=None)
    (text,) = pages_text(build_prescriptions([rx], PrintSettings()))
    assert contains(text, "Dispense as written") and "Substitution permitted" not in text
    assert contains(text, "Quantity: 7.5 (seven and one half) mL")
    assert contains(text, "Refills: 0 (zero)") and "Days supply" not in text


def test_controlled_prints_dea_number_and_schedule() -> None:
    rx = samples.prescription(controlled=True)
    (text,) = pages_text(build_prescriptions([rx], PrintSettings()))
    assert missing(text, ["DEA BA1234563", "DEA schedule II", "Oxycodone hydrochloride 5 mg tablet",
                          "Quantity: 12 (twelve) tablets"]) == []


@pytest.mark.parametrize(("given", "label"), [("II", "II"), ("2", "II"), ("C-IV", "IV"), ("3N", "IIIN"),
                                              ("CV", "V")])
def test_schedule_label(given: str, label: str) -> None:
    assert schedule_label(given) == label


@pytest.mark.parametrize("per_page", [1, 2, 3, 4])
def test_controlled_alone_on_its_page_others_share(per_page: int) -> None:
    plain = [samples.prescription(number=n, drug=f"Plaindrug{n}") for n in (1, 3, 4, 6, 7)]
    controlled = [samples.prescription(controlled=True, number=n) for n in (2, 5)]
    items = [plain[0], controlled[0], plain[1], plain[2], controlled[1], plain[3], plain[4]]
    pages = pages_text(build_prescriptions(items, PrintSettings(prescriptions_per_page=per_page)))
    per_page_ids = [_ids(t) for t in pages]
    controlled_ids = {"RX-2025-00002", "RX-2025-00005"}
    # every prescription printed exactly once
    assert sorted(i for ids in per_page_ids for i in ids) == sorted(r.prescription_id for r in items)
    for ids, text in zip(per_page_ids, pages, strict=True):
        if controlled_ids & set(ids):
            assert len(ids) == 1, f"a controlled prescription shares its page: {ids}"
            assert "DEA BA1234563" in text
        else:
            assert len(ids) <= per_page
            assert "DEA" not in text
    shared = [ids for ids in per_page_ids if not controlled_ids & set(ids)]
    assert len(shared) == -(-len(plain) // per_page), "non-controlled ones fill their pages"
    assert [i for ids in shared for i in ids] == [r.prescription_id for r in plain], "order kept"


@pytest.mark.parametrize(("paper", "size"), [("letter", (612.0, 792.0)), ("a4", (595.3, 841.9))])
def test_paper_size(paper: str, size: tuple[float, float]) -> None:
    items = [samples.prescription(number=n) for n in range(1, 4)]
    pdf = build_prescriptions(items, PrintSettings(paper=paper, prescriptions_per_page=2))
    assert page_sizes(pdf) == [size, size]


def test_margins_move_content_for_security_paper() -> None:
    rx = [samples.prescription()]
    mm = 72 / 25.4
    default = text_extent(build_prescriptions(rx, PrintSettings()))
    shifted = text_extent(build_prescriptions(rx, PrintSettings(margin_left_mm=35, margin_top_mm=50)))
    assert shifted[0] - default[0] == pytest.approx(20 * mm, abs=1.5)
    assert default[3] - shifted[3] == pytest.approx(35 * mm, abs=1.5)


def test_four_per_page_fit_in_their_slots() -> None:
    items = [samples.prescription(number=n) for n in range(1, 9)]
    settings = PrintSettings(paper="a4", prescriptions_per_page=4, margin_top_mm=20, margin_bottom_mm=20)
    pdf = build_prescriptions(items, settings)
    pages = pages_text(pdf)
    assert [len(_ids(t)) for t in pages] == [4, 4]
    _, low, _, high = text_extent(pdf)
    mm = 72 / 25.4
    assert low >= 20 * mm - 0.5 and high <= 841.9 - 20 * mm


def test_no_prescriptions_is_an_error() -> None:
    with pytest.raises(ValueError):
        build_prescriptions([], PrintSettings())
