from __future__ import annotations

import pytest

from emr_desktop.printing.words import figures, integer_words, quantity_words


@pytest.mark.parametrize(("value", "words"), [
    (0, "zero"), (1, "one"), (12, "twelve"), (20, "twenty"), (21, "twenty-one"), (90, "ninety"),
    (100, "one hundred"), (115, "one hundred fifteen"), (1000, "one thousand"),
    (1234, "one thousand two hundred thirty-four"), (120_000, "one hundred twenty thousand"),
    (2_000_005, "two million five"),
])
def test_integer_words(value: int, words: str) -> None:
    assert integer_words(value) == words


@pytest.mark.parametrize(("value", "text", "words"), [
    (30, "30", "thirty"), (30.0, "30", "thirty"), (7.5, "7.5", "seven and one half"),
    (0.5, "0.5", "one half"), (2.25, "2.25", "two and one quarter"),
    (1.75, "1.75", "one and three quarters"), (2.3, "2.3", "two point three"),
    (100, "100", "one hundred"), (150.0, "150", "one hundred fifty"),
])
def test_quantities(value: float, text: str, words: str) -> None:
    assert figures(value) == text
    assert quantity_words(value) == words


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), 1e9])
def test_out_of_range(bad: float) -> None:
    with pytest.raises(ValueError):
        quantity_words(bad)
