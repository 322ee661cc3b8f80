"""`python -m benchmarks.startup_bench` end to end on a tiny practice: fresh processes start the
app, and the table prints every measure with figures. No timing assertions (a shared CI machine's
figures mean nothing; the real run is `python -m benchmarks.startup_bench`)."""

from __future__ import annotations

import re
from pathlib import Path

import keyring
import pytest

from benchmarks.startup_bench import RUN_FOLDER, main

NUMBER = r"\d+\.\d{3}"


def test_startup_bench_prints_every_measure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keyring_before = keyring.get_keyring()
    code = main(["--runs", "2", "--patients", "3", "--seed", "5", "--data-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert re.search(r"data\s+3 patients \(seed 5\), chart \d+\.\d MB, every page verified at open: yes", out)
    assert re.search(r"runs\s+2 fresh processes, QT_QPA_PLATFORM=offscreen", out)
    for label in ("python running (interpreter start)", "log-in window shown and painted",
                  "chart open, log-in enabled"):
        rows = [line for line in out.splitlines() if line.startswith(label)]
        assert len(rows) == 1, out
        assert re.fullmatch(rf"{re.escape(label)}\s+{NUMBER}\s+{NUMBER}\s+(?:-|< 1\.5 s (?:PASS|FAIL))",
                            rows[0]), rows[0]
    runs = re.search(r"each run \(shown / open\): (.*)", out)
    assert runs is not None and len(runs.group(1).split(", ")) == 2
    for pair in runs.group(1).split(", "):
        shown, ready = (float(x) for x in pair.split("/"))
        assert shown > 0 and ready > 0
    assert not list(tmp_path.glob(f"*/{RUN_FOLDER}"))  # the working copy is gone
    assert keyring.get_keyring() is keyring_before
