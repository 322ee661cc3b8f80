"""Start-up benchmark: cold start of the desktop app to the log-in window.

``python -m benchmarks.startup_bench`` spawns a fresh Python process ``--runs`` times
(benchmarks/startup_probe.py, ``QT_QPA_PLATFORM=offscreen``) that runs the app's real start-up
path (``emr_desktop.app.start_gui``) on a copy of a cached demo chart, and prints, from the
moment just before each spawn:

- the log-in window shown and painted (target: median and max < 1.5 s);
- the chart open and log-in enabled (key lookup, SQLCipher key check, page verification,
  migration check, services, sync start - all off the GUI thread).

"Cold" means a new process each time (imports, Qt start-up, opening the chart); the operating
system's file cache is warm (the chart was just copied). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks import dataset

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / ".cache"
REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_FOLDER = "startup-run"
SHOWN_TARGET_S = 1.5
PROBE_TIMEOUT_S = 120.0

Log = Callable[[str], None]


@dataclass(frozen=True)
class Sample:
    interpreter_s: float
    shown_s: float
    ready_s: float


@dataclass(frozen=True)
class Result:
    samples: tuple[Sample, ...]
    patients: int
    seed: int
    chart_bytes: int
    full_verify: bool
    cached: bool

    def column(self, name: str) -> list[float]:
        return [getattr(s, name) for s in self.samples]


def probe_environment(run_dir: Path) -> dict[str, str]:
    """The child's environment: offscreen Qt, and the data set's plaintext keyring file found
    where keyrings.alt looks for it (synthetic data only, as in dataset.isolated_keyring)."""
    env = {k: v for k, v in os.environ.items() if k not in ("EMR_DATA_DIR", "EMR_PASSWORD")}
    env.update({
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(run_dir / "xdg"),
        dataset.KEYRING_BACKEND_ENV: dataset.PLAINTEXT_BACKEND,
        "EMR_TEST_ALLOW_INSECURE_KEYRING": "1",
    })
    paths = [str(REPO_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def prepare_run(data: dataset.Dataset) -> tuple[Path, Path]:
    """A working copy of the chart and its keyring; returns (run folder, profile folder)."""
    run_dir = data.folder / RUN_FOLDER
    shutil.rmtree(run_dir, ignore_errors=True)
    profile = run_dir / "profile"
    profile.mkdir(parents=True)
    for name in ("chart.db", "store.json"):
        shutil.copyfile(data.pristine_dir / name, profile / name)
    keyring_dir = run_dir / "xdg" / "python_keyring"
    keyring_dir.mkdir(parents=True)
    shutil.copyfile(data.folder / "keyring.cfg", keyring_dir / "keyring_pass.cfg")
    return run_dir, profile


def spawn_probe(profile: Path, env: dict[str, str], timeout: float = PROBE_TIMEOUT_S) -> Sample:
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.startup_probe", "--t0", repr(t0), "--data-dir", str(profile),
         "--timeout", str(timeout)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout + 30)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"the start-up probe printed no result (exit {proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}")
    data = json.loads(lines[-1])
    if data.get("error"):
        raise SystemExit(f"the app did not start: {data['error']}")
    return Sample(float(data["interpreter_s"]), float(data["shown_s"]), float(data["ready_s"]))


def run(options: argparse.Namespace, log: Log) -> Result:
    data_dir = Path(options.data_dir).resolve()
    folder = dataset.dataset_folder(data_dir, options.patients, options.seed, "demo")
    with dataset.isolated_keyring(folder):
        data = dataset.prepare(data_dir, patients=options.patients, seed=options.seed,
                               generator="demo", fresh=options.fresh, log=log)
    run_dir, profile = prepare_run(data)
    try:
        env = probe_environment(run_dir)
        chart_bytes = (profile / "chart.db").stat().st_size
        from emr_desktop.config import Settings

        full_verify = Settings(data_dir=profile).wants_full_verify(chart_bytes)
        samples = []
        for i in range(options.runs):
            log(f"start {i + 1}/{options.runs} ...")
            samples.append(spawn_probe(profile, env))
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    return Result(tuple(samples), options.patients, options.seed, chart_bytes, full_verify, data.cached)


def format_result(result: Result, target: float = SHOWN_TARGET_S) -> tuple[str, bool]:
    """The table, and whether the target was met."""
    shown = result.column("shown_s")
    ok = max(shown) < target
    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    lines = [
        "emr-desktop start-up: cold start to the log-in window",
        f"machine   {os.cpu_count()} CPUs, {platform.platform(terse=True)}, "
        f"Python {platform.python_version()}",
        f"data      {result.patients} patients (seed {result.seed}), chart "
        f"{result.chart_bytes / 1e6:.1f} MB, every page verified at open: "
        f"{'yes' if result.full_verify else 'no (spot check)'}",
        f"runs      {len(result.samples)} fresh processes, QT_QPA_PLATFORM=offscreen{load}",
        "",
        f"{'measure (seconds from spawn)':<40}{'median':>8}{'max':>8}   target",
    ]
    rows = (("python running (interpreter start)", "interpreter_s", None),
            ("log-in window shown and painted", "shown_s", target),
            ("chart open, log-in enabled", "ready_s", None))
    for label, name, goal in rows:
        values = result.column(name)
        verdict = "-" if goal is None else f"< {goal:g} s {'PASS' if max(values) < goal else 'FAIL'}"
        lines.append(f"{label:<40}{statistics.median(values):>8.3f}{max(values):>8.3f}   {verdict}")
    lines.append("")
    lines.append("each run (shown / open): " + ", ".join(
        f"{s.shown_s:.2f}/{s.ready_s:.2f}" for s in result.samples))
    return "\n".join(lines) + "\n", ok


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=_positive, default=5, help="fresh processes (default 5)")
    parser.add_argument("--patients", type=_positive, default=200,
                        help="size of the demo practice (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR),
                        help="cached demo charts, shared with `make bench` (default benchmarks/.cache)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached chart")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when the target fails")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    result = run(options, log)
    table, ok = format_result(result)
    sys.stdout.write(table)
    return 1 if options.strict and not ok else 0


if __name__ == "__main__":
    raise SystemExit(main())
