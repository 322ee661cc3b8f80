"""Printed prescriptions: one or several per page (a practice setting), controlled substances
always alone on their page.

``build_prescriptions(items, settings) -> bytes`` returns the PDF in memory. Each prescription is
a boxed block with the practice (name, address, phone), the prescriber (name, credentials, NPI,
and the DEA number only on a controlled substance), the patient (name, date of birth, address),
the date, the drug (name, strength, form), the sig, the quantity in figures and words, refills,
"Substitution permitted" or "Dispense as written", and a signature line. Non-controlled
prescriptions are laid out first, ``prescriptions_per_page`` to a page in the order given; each
controlled one follows on a page of its own. Margins come from the settings (security paper).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    FrameBreak,
    KeepInFrame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
)

from emr_desktop.domain.staff import with_credentials
from emr_desktop.printing.data import PrescriptionData, PrintSettings
from emr_desktop.printing.fonts import SANS
from emr_desktop.printing.layout import (
    INK,
    RULE,
    SHADE,
    Styles,
    fmt_date,
    margins,
    page_size,
    table_style,
)
from emr_desktop.printing.markup import bold, join, markup, para, para_markup
from emr_desktop.printing.words import figures, integer_words, quantity_words

GAP = 5 * mm  # between blocks sharing a page
_SPACED = "&nbsp;" * 6  # between facts on one line (constant markup)
_ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV", "5": "V"}


def schedule_label(dea_schedule: str) -> str:
    """``"2"`` / ``"II"`` / ``"c-ii"`` -> ``"II"``; ``"3N"`` -> ``"IIIN"``."""
    text = dea_schedule.strip().upper().removeprefix("C-").removeprefix("C")
    if text[:1] in _ROMAN:
        return _ROMAN[text[0]] + text[1:]
    return text


def build_prescriptions(items: Sequence[PrescriptionData], settings: PrintSettings) -> bytes:
    """The prescriptions as PDF bytes (nothing is written to disk)."""
    if not items:
        raise ValueError("no prescriptions to print")
    per_page = settings.prescriptions_per_page
    width, height = page_size(settings)
    top, bottom, left, right = margins(settings)
    frame_w = width - left - right
    usable_h = height - top - bottom
    if frame_w < 80 * mm or usable_h < 80 * mm:
        raise ValueError("the margins leave too little room on the page")

    plain = [item for item in items if not item.controlled]
    controlled = [item for item in items if item.controlled]

    def frames(count: int, tag: str) -> list[Frame]:
        slot = (usable_h - GAP * (count - 1)) / count
        return [Frame(left, height - top - (i + 1) * slot - i * GAP, frame_w, slot, id=f"{tag}{i}",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
                for i in range(count)]

    shared = PageTemplate(id="shared", frames=frames(per_page, "shared"))
    alone = PageTemplate(id="alone", frames=frames(1, "alone"))
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(width, height), leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, title="Prescription", author=items[0].practice.name,
        creator="emr-desktop", invariant=1, initialFontName=SANS,
    )
    doc.addPageTemplates([shared, alone] if plain else [alone, shared])

    styles = Styles(9.0 if per_page <= 2 else 8.0)
    slot_h = frames(per_page, "x")[0].height
    story: list[Flowable] = []
    for index, item in enumerate(plain):
        if index:
            story.append(FrameBreak())
        block = _block(item, styles, frame_w, fill_height=slot_h if per_page > 1 else 0)
        story.append(_fit(block, frame_w, slot_h))
    single = Styles(9.0)
    for item in controlled:
        if story:
            story += [NextPageTemplate("alone"), PageBreak()]
        story.append(_fit(_block(item, single, frame_w), frame_w, usable_h))
    doc.build(story)
    return buffer.getvalue()


def _fit(block: Flowable, width: float, height: float) -> Flowable:
    """Shrink a block that would not fit its slot (never split one prescription over two)."""
    return KeepInFrame(width, height - 0.5, [block], mode="shrink", hAlign="LEFT", vAlign="TOP")


def _block(rx: PrescriptionData, st: Styles, width: float, fill_height: float = 0) -> Flowable:
    """One boxed prescription; with ``fill_height`` its body grows so the box fills that height
    (blocks sharing a page are the same size, like the slips of a prescription pad)."""
    table = _block_table(rx, st, width, 0)
    if fill_height:
        _, natural = table.wrap(width, fill_height * 4)
        if natural < fill_height - 1:
            table = _block_table(rx, st, width, fill_height - 1 - natural)
    return table


def _block_table(rx: PrescriptionData, st: Styles, width: float, extra: float) -> Table:
    practice, prescriber, patient = rx.practice, rx.prescriber, rx.patient
    contact = [markup(f"Phone {practice.phone}")]
    if practice.fax:
        contact.append(markup(f"Fax {practice.fax}"))
    practice_cell: list[Flowable] = [para(practice.name, st.practice)]
    practice_cell += [para(line, st.small) for line in practice.address_lines]
    practice_cell.append(para_markup(join(contact, "  \u00b7  "), st.small))

    prescriber_name = with_credentials(prescriber.name, prescriber.credentials)
    prescriber_cell: list[Flowable] = [
        para_markup(bold(prescriber_name), st.body),
        para(f"NPI {prescriber.npi}", st.small),
    ]
    if rx.controlled:
        dea = prescriber.dea_number or "________________"
        prescriber_cell.append(para(f"DEA {dea}", st.small))

    patient_cell: list[Flowable] = [
        para_markup(join([markup("Patient:"), bold(patient.name)]), st.body),
        para(f"Date of birth: {fmt_date(patient.birth_date)}", st.body),
    ]
    if patient.address_lines:
        patient_cell.append(para(", ".join(patient.address_lines), st.small))
    date_cell: list[Flowable] = [
        para_markup(join([markup("Date:"), bold(fmt_date(rx.written_date))]), st.body),
    ]
    if rx.prescription_id:
        date_cell.append(para(f"Rx ID {rx.prescription_id}", st.small))

    drug_line = join([bold(rx.drug), bold(rx.strength), markup(rx.form)])
    quantity = f"{figures(rx.quantity)} ({quantity_words(rx.quantity)})"
    quantity_text = join([bold(quantity), markup(rx.quantity_unit)]) if rx.quantity_unit \
        else bold(quantity)
    body: list[Flowable] = [
        para_markup(f'<font size="{st.body.fontSize + 5}">\u211e</font>&nbsp;&nbsp;' + drug_line,
                    st.drug),
        para_markup(join([bold("Sig:"), markup(rx.sig)]), st.body),
    ]
    body.append(para_markup(join([bold("Quantity:"), quantity_text]), st.body))
    facts = [join([bold("Refills:"), markup(f"{rx.refills} ({integer_words(rx.refills)})")])]
    if rx.days_supply:
        facts.append(join([bold("Days supply:"), markup(str(rx.days_supply))]))
    body.append(para_markup(_SPACED.join(facts), st.body))
    substitution = "Substitution permitted" if rx.substitution_allowed else "Dispense as written"
    body.append(para_markup(bold(substitution), st.body))
    if rx.controlled:
        body.append(para_markup(bold(
            f"Controlled substance, DEA schedule {schedule_label(rx.dea_schedule)}"), st.body))
    if rx.pharmacy:
        body.append(para_markup(join([bold("Pharmacy:"), markup(rx.pharmacy)]), st.body))
    if rx.note_to_pharmacist:
        body.append(para_markup(join([bold("Note to pharmacist:"), markup(rx.note_to_pharmacist)]),
                                st.body))

    signature_cell: list[Flowable] = [
        Spacer(1, st.body.fontSize * 2.2 + extra),
        _SignatureLine(width * 0.5),
        para(f"Signature: {prescriber_name}", st.small),
    ]

    inner = width - 2 * 6  # outer padding on both sides
    rows: list[list[Any]] = [
        [practice_cell, prescriber_cell],
        [patient_cell, date_cell],
        [body, ""],
        ["", signature_cell],
    ]
    table = Table(rows, colWidths=[inner * 0.6, inner * 0.4], hAlign="LEFT")
    table.setStyle(table_style([
        ("BOX", (0, 0), (-1, -1), 1.0, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
        ("BACKGROUND", (0, 1), (-1, 1), SHADE),
        ("SPAN", (0, 2), (-1, 2)),
        ("LEFTPADDING", (0, 0), (-1, -1), 6),
        ("RIGHTPADDING", (0, 0), (-1, -1), 6),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
    ]))
    return table


class _SignatureLine(Flowable):
    """A line to sign on."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width = width
        self.height = 2

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = min(self.width, available_width)
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.8)
        self.canv.line(0, 1, self.width, 1)

