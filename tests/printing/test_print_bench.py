"""The printing benchmark runs and prints every row (no timing assertions)."""

from __future__ import annotations

import pytest

from benchmarks import print_bench


def test_print_bench_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    assert print_bench.main(["--iterations", "2", "--warmup", "1"]) == 0
    out = capsys.readouterr().out
    for measure in print_bench.measures():
        assert f"| {measure.label} |" in out
    assert "p50 < 150" in out and "p50 < 80" in out
