"""Reading generated PDFs back in tests (pypdf): text, fonts, page sizes, text positions."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader


def reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), "not a PDF"
    return PdfReader(io.BytesIO(data))


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in reader(data).pages]


def squash(text: str) -> str:
    """Text without any whitespace: table cells wrap wherever the column is narrow."""
    return "".join(text.split())


def contains(text: str, wanted: str) -> bool:
    return squash(wanted) in squash(text)


def missing(text: str, wanted: list[str]) -> list[str]:
    return [w for w in wanted if not contains(text, w)]


@dataclass(frozen=True)
class FontInfo:
    base_font: str
    embedded: bool


def page_fonts(data: bytes) -> list[set[FontInfo]]:
    """The fonts each page's resources reference (base name without subset tag), and whether the
    font program is embedded."""
    out: list[set[FontInfo]] = []
    for page in reader(data).pages:
        found: set[FontInfo] = set()
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).lstrip("/").split("+", 1)[-1]
            descriptor = font.get("/FontDescriptor")
            embedded = False
            if descriptor is not None:
                descriptor = descriptor.get_object()
                embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.add(FontInfo(name, embedded))
        out.append(found)
    return out


def page_sizes(data: bytes) -> list[tuple[float, float]]:
    return [(round(float(p.mediabox.width), 1), round(float(p.mediabox.height), 1))
            for p in reader(data).pages]


def text_extent(data: bytes, page_index: int = 0) -> tuple[float, float, float, float]:
    """(min x, min y, max x start, max y) of the text runs drawn on a page, in points."""
    xs: list[float] = []
    ys: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            # reportlab positions text with the text matrix inside a translated graphics state
            x = tm[4] * cm[0] + cm[4]
            y = tm[5] * cm[3] + cm[5]
            xs.append(x)
            ys.append(y)

    reader(data).pages[page_index].extract_text(visitor_text=visit)
    return min(xs), min(ys), max(xs), max(ys)
