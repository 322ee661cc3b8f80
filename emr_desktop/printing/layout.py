"""Shared page set-up of the printed documents: paper, margins, styles, dates, page numbering."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import TableStyle

from emr_desktop.printing.data import PrintSettings
from emr_desktop.printing.fonts import SANS, SANS_BOLD, ensure_fonts

PAGE_SIZES: dict[str, tuple[float, float]] = {"letter": LETTER, "a4": A4}

INK = colors.HexColor("#1a1a1a")
MUTED = colors.HexColor("#555555")
ACCENT = colors.HexColor("#1f4e79")
RULE = colors.HexColor("#9aa5b1")
SHADE = colors.HexColor("#e9eef3")


def page_size(settings: PrintSettings) -> tuple[float, float]:
    return PAGE_SIZES[settings.paper]


def margins(settings: PrintSettings) -> tuple[float, float, float, float]:
    """(top, bottom, left, right) in points."""
    return (settings.margin_top_mm * mm, settings.margin_bottom_mm * mm,
            settings.margin_left_mm * mm, settings.margin_right_mm * mm)


def fmt_date(value: date) -> str:
    return f"{value:%m/%d/%Y}"


def fmt_datetime(value: datetime) -> str:
    """Date and time as given (the service passes the practice's local time)."""
    return f"{value:%m/%d/%Y %I:%M %p}".replace(" 0", " ", 1) if value.hour or value.minute \
        else fmt_date(value.date())


class Styles:
    """Paragraph styles of one document, at a base font size."""

    def __init__(self, size: float = 9.5) -> None:
        ensure_fonts()
        lead = size * 1.28
        self.body = ParagraphStyle("body", fontName=SANS, fontSize=size, leading=lead, textColor=INK,
                                   bulletFontName=SANS)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=size - 1.5,
                                    leading=(size - 1.5) * 1.25, textColor=MUTED)
        self.small_right = ParagraphStyle("small_right", parent=self.small, alignment=TA_RIGHT)
        self.label = ParagraphStyle("label", parent=self.body, fontName=SANS_BOLD)
        self.cell = ParagraphStyle("cell", parent=self.body, fontSize=size - 0.5,
                                   leading=(size - 0.5) * 1.25)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, fontName=SANS_BOLD)
        self.title = ParagraphStyle("title", parent=self.body, fontName=SANS_BOLD, fontSize=size + 6,
                                    leading=(size + 6) * 1.2, textColor=ACCENT)
        self.title_right = ParagraphStyle("title_right", parent=self.title, alignment=TA_RIGHT)
        self.practice = ParagraphStyle("practice", parent=self.body, fontName=SANS_BOLD,
                                       fontSize=size + 3.5, leading=(size + 3.5) * 1.2)
        self.heading = ParagraphStyle("heading", parent=self.body, fontName=SANS_BOLD,
                                      fontSize=size + 1.5, leading=(size + 1.5) * 1.25,
                                      textColor=ACCENT, spaceBefore=size * 0.9, spaceAfter=size * 0.3)
        self.drug = ParagraphStyle("drug", parent=self.body, fontSize=size + 2.5,
                                   leading=(size + 2.5) * 1.45, spaceBefore=size * 0.3)
        self.subheading = ParagraphStyle("subheading", parent=self.body, fontName=SANS_BOLD,
                                         spaceBefore=size * 0.5, spaceAfter=size * 0.2)


def table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A TableStyle whose cells default to the embedded font (reportlab's default is Helvetica,
    which would be referenced, not embedded)."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *commands])


def numbered_canvas(draw_total: Any) -> type[canvas.Canvas]:
    """A canvas class that holds every page until the end, then calls
    ``draw_total(canvas, page_number, page_count)`` on each page before emitting it: one pass,
    yet "Page x of y" knows y."""

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            count = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                draw_total(self, number, count)
                super().showPage()
            super().save()

    return NumberedCanvas
