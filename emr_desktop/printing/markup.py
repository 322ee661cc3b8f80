"""Plain text to reportlab Paragraph markup: escaped, and split into runs by font coverage.

Every piece of text that reaches a ``Paragraph`` goes through :func:`markup` (or :func:`para`):
``&``, ``<``, ``>`` and quotes are escaped, so a name such as ``<font color="...">`` or
``<img src="..."/>`` prints literally - reportlab never parses it as a tag, never evaluates an
attribute, never opens a file. Characters the base font (DejaVu Sans) has no glyph for - Chinese,
Japanese, Korean - are wrapped in ``<font name="EmrFallback">`` (Droid Sans Fallback) so they render
with an embedded font and stay extractable text. The only tags in the output are the ones this
module writes, with constant attribute values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph

from emr_desktop.printing.fonts import FALLBACK, SANS, SANS_BOLD, ensure_fonts

# C0/C1 control characters (other than tab and newline) and lone surrogates cannot be printed and
# would break the PDF text layer; they are dropped.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def clean(text: object) -> str:
    """``str(text)`` in NFC (reportlab does no glyph shaping: "e" + combining marks would print as
    separate glyphs, the precomposed letter prints right), without unprintable control characters;
    tabs become spaces."""
    text = unicodedata.normalize("NFC", "" if text is None else str(text))
    return _UNPRINTABLE.sub("", text).replace("\t", " ")


def escape(text: object) -> str:
    """XML-escape text for reportlab's paragraph parser (``&``, ``<``, ``>``, both quotes)."""
    return clean(text).translate(_ESCAPES)


def runs(text: str, font: str = SANS) -> list[tuple[str, str]]:
    """Split text into ``(font_name, chunk)`` runs: ``font`` where it has the glyph, else the fallback.

    Whitespace stays in the run it is in (no run breaks at spaces). A character neither font has
    stays in ``font`` (it prints as the font's missing-glyph box but still extracts).
    """
    fonts = ensure_fonts()
    base = fonts.coverage[font]
    fallback = fonts.coverage[FALLBACK]
    out: list[tuple[str, list[str]]] = []
    for char in text:
        if char.isspace() and out:
            target = out[-1][0]
        else:
            code = ord(char)
            target = font if code in base or code not in fallback else FALLBACK
        if out and out[-1][0] == target:
            out[-1][1].append(char)
        else:
            out.append((target, [char]))
    return [(name, "".join(chars)) for name, chars in out]


def markup(text: object, font: str = SANS) -> str:
    """Paragraph markup for plain ``text`` set in ``font``: escaped, fallback runs wrapped,
    newlines as ``<br/>``."""
    lines = clean(text).split("\n")
    parts: list[str] = []
    for index, line in enumerate(lines):
        if index:
            parts.append("<br/>")
        for name, chunk in runs(line, font):
            escaped = chunk.translate(_ESCAPES)
            parts.append(escaped if name == font else f'<font name="{name}">{escaped}</font>')
    return "".join(parts)


def bold(text: object) -> str:
    """Markup for text in the bold face (escaped; fallback runs wrapped)."""
    return f"<b>{markup(text, SANS_BOLD)}</b>"


def join(pieces: Iterable[str], separator: str = " ") -> str:
    """Join pieces of markup (each already made by this module) with an escaped separator."""
    return markup(separator).join(pieces)


def para(text: object, style: ParagraphStyle) -> Paragraph:
    """A Paragraph showing plain ``text`` literally in ``style``."""
    font = SANS_BOLD if style.fontName == SANS_BOLD else SANS
    return Paragraph(markup(text, font), style)


def para_markup(safe_markup: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph from markup built only with this module's functions (never raw text)."""
    return Paragraph(safe_markup, style)
