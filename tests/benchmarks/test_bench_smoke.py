"""`python -m benchmarks` end to end on a tiny practice: every measure is printed with figures.

No timing assertions - figures on a shared CI machine mean nothing; the real run is `make bench`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import keyring
import pytest

from benchmarks.harness import MEASURE_LABELS, main
from benchmarks.report import percentile_ms

NUMBER = r"\d[\d,]*(?:\.\d+)?"
VERDICT = r"(?:PASS|FAIL)"
# rows, enc p50, enc p95, plain p50, plain p95, overhead, then the target verdicts
MEASURE_ROW = (rf"\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}x\s+"
               rf"(?:< {NUMBER} ms {VERDICT}|-)\s+<= {NUMBER}x {VERDICT}\s*$")

#: demo: emr_desktop.demo (the default); services: the harness's own fallback data set.
GENERATORS = ["demo", "services"]


def _run(capsys: pytest.CaptureFixture[str], data_dir: Path, generator: str) -> str:
    code = main(["--patients", "30", "--iterations", "5", "--warmup", "2", "--seed", "7",
                 "--data-dir", str(data_dir), "--generator", generator])
    assert code == 0
    return capsys.readouterr().out


def _check_table(out: str) -> None:
    assert re.search(r"machine\s+\d+ CPUs, .+, Python \d+\.\d+", out)
    assert re.search(r"database\s+SQLCipher \d+\.\d+", out)
    assert re.search(r"data\s+30 patients \(seed 7, .*\), [\d,]+ rows in \d+ tables", out)
    assert re.search(rf"chart generation\s+{NUMBER} s", out)
    assert re.search(rf"chart file size\s+{NUMBER} MB\s+encrypted;\s+plain copy {NUMBER} MB "
                     rf"\({NUMBER}x\)", out)
    for label in MEASURE_LABELS:
        rows = [line for line in out.splitlines() if line.strip().startswith(label)]
        assert len(rows) == 1, f"{label!r} missing from:\n{out}"
        assert re.fullmatch(rf"\s*{re.escape(label)}{MEASURE_ROW}", rows[0]), rows[0]
    assert re.search(r"targets: \d+ PASS, \d+ FAIL", out)


@pytest.mark.parametrize("generator", GENERATORS)
def test_bench_prints_every_measure(generator: str, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    keyring_before = keyring.get_keyring()
    first = _run(capsys, tmp_path, generator)
    _check_table(first)
    assert "generated now" in first

    cached = next(tmp_path.glob("p30-s7*/generation.json"))
    seconds = json.loads(cached.read_text(encoding="utf-8"))["generation_seconds"]
    second = _run(capsys, tmp_path, generator)  # reuses the chart and reprints its generation time
    _check_table(second)
    assert "cached, generated" in second
    assert re.search(rf"chart generation\s+{seconds:.1f} s", second)
    # The chart key went to the data set's own keyring file; the caller's keyring is back.
    assert (cached.parent / "keyring.cfg").is_file()
    assert keyring.get_keyring() is keyring_before


def test_percentiles_come_from_sorted_samples() -> None:
    samples = [(100 - i) * 1_000_000 for i in range(100)]  # 1..100 ms, unsorted
    assert percentile_ms(samples, 50) == pytest.approx(50.5)
    assert percentile_ms(samples, 95) == pytest.approx(95.05)
    assert percentile_ms([3_000_000], 95) == 3.0
