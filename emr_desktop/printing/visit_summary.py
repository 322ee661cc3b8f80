"""The after-visit summary: one encounter, for the patient to take home.

``build_visit_summary(data, settings) -> bytes`` lays out ``VisitSummaryData`` with reportlab
platypus and returns the PDF in memory. Every page carries a running header (patient name, date
of birth, MRN, visit date) and a footer (practice, "Page x of y"); tables split between rows and
repeat their column headings on the next page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
)

from emr_desktop.printing.data import MedicationLine, PrintSettings, VisitSummaryData
from emr_desktop.printing.fonts import SANS, SANS_BOLD
from emr_desktop.printing.layout import (
    MUTED,
    RULE,
    SHADE,
    Styles,
    fmt_date,
    fmt_datetime,
    margins,
    numbered_canvas,
    page_size,
    table_style,
)
from emr_desktop.printing.markup import bold, join, markup, para, para_markup

HEADER_BAND = 13 * mm  # running header + gap above the frame
FOOTER_BAND = 9 * mm  # gap + footer line below the frame

MEDICATION_SECTIONS: tuple[tuple[str, str], ...] = (
    ("started", "Started at this visit"),
    ("changed", "Changed at this visit"),
    ("stopped", "Stopped at this visit - do not take"),
    ("current", "Current medications - continue taking"),
)

NONE_TEXT = "None recorded."
#: A heading starts a new page when less than this is left (heading + a few lines or table rows).
KEEP_ROOM = 28 * mm


def build_visit_summary(data: VisitSummaryData, settings: PrintSettings) -> bytes:
    """The visit summary as PDF bytes (nothing is written to disk)."""
    styles = Styles(9.5)
    width, height = page_size(settings)
    top, bottom, left, right = margins(settings)
    frame_w = width - left - right
    frame_h = height - top - bottom - HEADER_BAND - FOOTER_BAND
    if frame_w < 60 * mm or frame_h < 60 * mm:
        raise ValueError("the margins leave too little room on the page")

    patient = data.patient
    running_left = join([bold(patient.name), markup(f"DOB {fmt_date(patient.birth_date)}"),
                         markup(f"MRN {patient.mrn}")], "  \u00b7  ")
    running_right = markup(f"Visit summary \u00b7 {fmt_date(data.visit_date.date())}")
    footer_left = join([markup(data.practice.name), markup(data.practice.phone)]
                       if data.practice.phone else [markup(data.practice.name)], "  \u00b7  ")

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        left_p = Paragraph(running_left, styles.small)
        right_p = Paragraph(running_right, styles.small_right)
        _, lh = left_p.wrap(frame_w * 0.68, HEADER_BAND)
        _, rh = right_p.wrap(frame_w * 0.32, HEADER_BAND)
        left_p.drawOn(canvas, left, height - top - lh)
        right_p.drawOn(canvas, left + frame_w * 0.68, height - top - rh)
        rule_y = height - top - max(lh, rh) - 1.5 * mm
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(left, rule_y, width - right, rule_y)
        canvas.line(left, bottom + 5 * mm, width - right, bottom + 5 * mm)
        foot = Paragraph(footer_left, styles.small)
        foot.wrap(frame_w * 0.75, FOOTER_BAND)
        foot.drawOn(canvas, left, bottom)
        canvas.restoreState()

    def draw_page_number(canvas: Any, number: int, count: int) -> None:
        canvas.saveState()
        canvas.setFont(SANS, styles.small.fontSize)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(width - right, bottom + 1.6, f"Page {number} of {count}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer, pagesize=(width, height), leftMargin=left, rightMargin=right, topMargin=top,
        bottomMargin=bottom, title="Visit summary", author=data.practice.name,
        subject="After-visit summary", creator="emr-desktop", invariant=1, initialFontName=SANS,
    )
    frame = Frame(left, bottom + FOOTER_BAND, frame_w, frame_h, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="summary", frames=[frame], onPage=on_page)])
    doc.build(_story(data, styles, frame_w), canvasmaker=numbered_canvas(draw_page_number))
    return buffer.getvalue()


def _story(data: VisitSummaryData, st: Styles, width: float) -> list[Flowable]:
    story: list[Flowable] = []
    practice = data.practice
    contact = [markup(f"Phone {practice.phone}")] if practice.phone else []
    if practice.fax:
        contact.append(markup(f"Fax {practice.fax}"))
    practice_cell = [para(practice.name, st.practice)]
    practice_cell += [para(line, st.small) for line in practice.address_lines]
    if contact:
        practice_cell.append(para_markup(join(contact, "  \u00b7  "), st.small))
    title_cell = [para("Visit Summary", st.title_right),
                  para(fmt_datetime(data.visit_date), st.small_right)]
    head = Table([[practice_cell, title_cell]], colWidths=[width * 0.62, width * 0.38])
    head.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("LINEBELOW", (0, 0), (-1, 0), 1.2, RULE),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    story += [head, Spacer(1, 3 * mm)]

    patient = data.patient
    info = [
        ("Patient", patient.name, "Visit date", fmt_datetime(data.visit_date)),
        ("Date of birth", fmt_date(patient.birth_date), "Provider", data.provider),
        ("MRN", patient.mrn, "Reason for visit", data.reason),
    ]
    rows = [[para(a, st.label), para(b, st.label if a == "Patient" else st.body), para(c, st.label),
             para(d, st.body)] for a, b, c, d in info]
    box = Table(rows, colWidths=[width * 0.17, width * 0.31, width * 0.2, width * 0.32])
    box.setStyle(table_style([("BACKGROUND", (0, 0), (-1, -1), SHADE),
                              ("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5)]))
    story.append(box)

    story += _section("Vital signs", _vitals(data.vitals, st, width), st)
    story += _section("Problems addressed", _table(
        ["Problem", "Code"], [[display, code] for display, code in data.problems_addressed],
        [0.8, 0.2], st, width), st)
    story += _medications(data.medications, st, width)
    story += _section("Allergies", _bullets(data.allergies, st), st)
    story += _section("Immunizations given today", _bullets(data.immunizations_given, st), st)
    story += _section("Results reviewed", _table(
        ["Test", "Result", "Flag"], [list(r) for r in data.results_reviewed], [0.45, 0.4, 0.15],
        st, width), st)
    story += _section("Plan", _text(data.plan, st), st)
    story += _section("Instructions", _text(data.instructions, st), st)
    story += _section("Follow-up", _text(data.follow_up, st), st)
    story += _section("Due for you", _bullets(data.due, st), st)
    return story


def _section(title: str, body: list[Flowable], st: Styles) -> list[Flowable]:
    """A heading that never sits alone at the bottom of a page (a new page when little room is
    left), then the body, or "None recorded."."""
    return [CondPageBreak(KEEP_ROOM), para(title, st.heading), *(body or [para(NONE_TEXT, st.body)])]


def _text(text: str, st: Styles) -> list[Flowable]:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return [para(p.strip(), st.body) for p in paragraphs]


def _bullets(items: Sequence[str], st: Styles) -> list[Flowable]:
    out: list[Flowable] = []
    for item in items:
        out.append(Paragraph(markup(item), st.body, bulletText="\u2022"))
    return out


def _vitals(vitals: Sequence[tuple[str, str]], st: Styles, width: float) -> list[Flowable]:
    """Label / value pairs, three to a row when they fit unwrapped, else two."""
    if not vitals:
        return []
    pad = 13  # cell padding both sides + a little air
    label_need = max(stringWidth(label, SANS_BOLD, st.cell_head.fontSize) for label, _ in vitals) + pad
    value_need = max(stringWidth(value, SANS, st.cell.fontSize) for _, value in vitals) + pad
    per_row = 3 if (label_need + value_need) * 3 <= width else 2
    col = width / per_row
    label_w = min(label_need, col * 0.6)
    cells = [[para(label, st.cell_head), para(value, st.cell)] for label, value in vitals]
    rows: list[list[Any]] = []
    for start in range(0, len(cells), per_row):
        row: list[Any] = []
        for pair in cells[start:start + per_row]:
            row += pair
        row += [""] * (2 * per_row - len(row))
        rows.append(row)
    table = Table(rows, colWidths=[label_w, col - label_w] * per_row, hAlign="LEFT")
    table.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
                                ("TOPPADDING", (0, 0), (-1, -1), 2),
                                ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    return [table]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], fractions: Sequence[float],
           st: Styles, width: float) -> list[Flowable]:
    """A table of plain text with its column headings repeated on every page it spans."""
    if not rows:
        return []
    data = [[para(h, st.cell_head) for h in header]]
    data += [[para(value, st.cell) for value in row] for row in rows]
    table = Table(data, colWidths=[width * f for f in fractions], repeatRows=1, splitInRow=1,
                  hAlign="LEFT")
    table.setStyle(table_style([
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, RULE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]))
    return [table]


def _medications(medications: Sequence[MedicationLine], st: Styles, width: float) -> list[Flowable]:
    heading = para("Medications", st.heading)
    groups = {change: [m for m in medications if m.change == change]
              for change, _ in MEDICATION_SECTIONS}
    unknown = [m for m in medications if m.change not in groups]
    groups["current"] += unknown  # an unexpected change value still prints (as current)
    out: list[Flowable] = []
    for change, title in MEDICATION_SECTIONS:
        items = groups[change]
        if not items:
            continue
        table = _table(["Medication", "How to take", "Note"],
                       [[m.display, m.sig, m.note] for m in items], [0.38, 0.42, 0.2], st, width)
        out += [CondPageBreak(KEEP_ROOM), para(title, st.subheading), *table]
    if not out:
        return [CondPageBreak(KEEP_ROOM), heading, para(NONE_TEXT, st.body)]
    return [CondPageBreak(KEEP_ROOM), heading, *out]

