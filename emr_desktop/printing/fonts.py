"""The embedded fonts of printed documents, registered with reportlab once per process.

``resources/fonts/`` ships DejaVu Sans (regular, bold) for Latin, Greek, Cyrillic, Vietnamese...
and Droid Sans Fallback for what DejaVu lacks (CJK). reportlab embeds each as a subset of the
glyphs used, with a ToUnicode map, so a PDF renders the same everywhere and its text extracts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from emr_desktop.config import RESOURCES_DIR

FONTS_DIR: Path = RESOURCES_DIR / "fonts"

SANS = "EmrSans"
SANS_BOLD = "EmrSans-Bold"
FALLBACK = "EmrFallback"

_FILES = {
    SANS: "DejaVuSans.ttf",
    SANS_BOLD: "DejaVuSans-Bold.ttf",
    FALLBACK: "DroidSansFallbackFull.ttf",
}


@dataclass(frozen=True)
class FontSet:
    """Registered font names and the code points each one has a glyph for."""

    coverage: dict[str, frozenset[int]]

    def has(self, font_name: str, char: str) -> bool:
        return ord(char) in self.coverage[font_name]


_lock = threading.Lock()
_fonts: FontSet | None = None


def ensure_fonts() -> FontSet:
    """Register the fonts with reportlab (first call only; thread-safe) and return their coverage."""
    global _fonts
    if _fonts is not None:
        return _fonts
    with _lock:
        if _fonts is None:
            coverage: dict[str, frozenset[int]] = {}
            for name, filename in _FILES.items():
                font = TTFont(name, str(FONTS_DIR / filename))  # subset-embedded by default
                pdfmetrics.registerFont(font)
                coverage[name] = frozenset(font.face.charToGlyph)
            # <b> inside a Paragraph switches to the bold face; there is no italic face shipped,
            # and the fallback has a single face (a bold run of CJK prints in its regular weight).
            for bold in (0, 1):
                for italic in (0, 1):
                    addMapping(SANS, bold, italic, SANS_BOLD if bold else SANS)
                    addMapping(SANS_BOLD, bold, italic, SANS_BOLD if bold else SANS)
                    addMapping(FALLBACK, bold, italic, FALLBACK)
            _fonts = FontSet(coverage)
    return _fonts
