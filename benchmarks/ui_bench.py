"""UI benchmark: opening a chart in the desktop client on a large practice.

``python -m benchmarks.ui_bench`` (``make bench-ui``) opens the cached demo chart (benchmarks/dataset.py;
20,000 patients by default, generated on first use) the way the app does, shows the real
``MainWindow`` offscreen at 1366x768 and times, for randomly drawn patients:

1. chart open: from ``open_patient(id)`` until the chart was read in the background, the banner and
   the visible tab (Summary) were filled and the window was painted (``repaint()``, synchronous);
2. tab switch: for each chart tab, from ``setCurrentWidget`` until that tab was filled and painted.

Target: chart open < 300 ms (p95). Figures go to stdout; progress to stderr.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import dataset
from benchmarks.harness import _patients, _side

CHART_OPEN_TARGET_MS = 300.0


def _ms(samples: Sequence[int]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p95 = statistics.quantiles(ordered, n=20, method="inclusive")[-1] if len(ordered) > 1 else ordered[0]
    return statistics.median(ordered) / 1e6, p95 / 1e6, ordered[-1] / 1e6


def _copy_encrypted(data: dataset.Dataset) -> Path:
    """A throw-away copy of the encrypted chart only (opening a chart writes audit entries)."""
    profile = data.run_dir / "ui-profile"
    shutil.rmtree(profile, ignore_errors=True)
    profile.mkdir(parents=True)
    for name in ("chart.db", "store.json"):
        shutil.copyfile(data.pristine_dir / name, profile / name)
    return profile


def run(options: argparse.Namespace, log: Callable[[str], None]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from emr_desktop.config import Settings
    from emr_desktop.db.store import ChartStore
    from emr_desktop.security.keystore import KeyStore
    from emr_desktop.ui.main_window import MainWindow
    from emr_desktop.ui.style import apply_style
    from emr_desktop.ui.tasks import TaskRunner

    data_dir = Path(options.data_dir).resolve()
    folder = dataset.dataset_folder(data_dir, options.patients, options.seed, options.generator)
    with dataset.isolated_keyring(folder):
        data = dataset.prepare(data_dir, patients=options.patients, seed=options.seed,
                               generator=options.generator, log=log)
        profile = _copy_encrypted(data)
        store = ChartStore.open(Settings(data_dir=profile, full_verify_max_mb=0), KeyStore())
        try:
            side = _side("encrypted", store.db)
            patients = _patients(side)
            rng = random.Random(f"{options.seed}:ui")
            chosen = [rng.choice(patients).id for _ in range(options.iterations + options.warmup)]
            app = QApplication.instance() or QApplication(sys.argv[:1])
            apply_style(app)  # type: ignore[arg-type]
            tasks = TaskRunner()
            window = MainWindow(side.services, tasks, side.actor, "Benchmark practice", sync_autostart=False)
            window.resize(1366, 768)
            window.show()
            app.processEvents()
            view = window.chart_view

            def open_and_paint(patient_id: object) -> int:
                loop = QEventLoop()
                view.sig_chart_shown.connect(loop.quit)
                QTimer.singleShot(60000, loop.quit)
                started = time.perf_counter_ns()
                window.open_patient(patient_id)  # type: ignore[arg-type]
                loop.exec()
                window.repaint()
                elapsed = time.perf_counter_ns() - started
                view.sig_chart_shown.disconnect(loop.quit)
                if view.chart is None or view.chart.patient.id != patient_id:
                    raise SystemExit("the chart did not open")
                return elapsed

            log(f"opening {options.warmup} charts to warm up, then timing {options.iterations} ...")
            for pid in chosen[:options.warmup]:
                open_and_paint(pid)
            samples, rows = [], []
            tab_samples: dict[str, list[int]] = {t.title.replace("&", ""): [] for t in view.tab_widgets}
            for n, pid in enumerate(chosen[options.warmup:]):
                view.tabs.setCurrentIndex(0)
                samples.append(open_and_paint(pid))
                chart = view.chart
                assert chart is not None
                rows.append(sum(len(getattr(chart, f)) for f in chart.__dataclass_fields__
                                if isinstance(getattr(chart, f), tuple)))
                if n < options.tab_iterations:
                    for tab in view.tab_widgets[1:]:
                        started = time.perf_counter_ns()
                        view.tabs.setCurrentWidget(tab)
                        window.repaint()
                        tab_samples[tab.title.replace("&", "")].append(time.perf_counter_ns() - started)
            tasks.wait_for_idle()
            window.close()
        finally:
            store.close()
            shutil.rmtree(data.run_dir, ignore_errors=True)
    p50, p95, worst = _ms(samples)
    print(f"UI benchmark: {options.patients} patients (seed {options.seed}), {len(samples)} charts opened, "
          f"{statistics.mean(rows):.0f} rows per chart on average (max {max(rows)}); offscreen 1366x768, "
          f"{os.cpu_count()} CPUs")
    print(f"{'measure':<34}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  target")
    verdict = "ok" if p95 < CHART_OPEN_TARGET_MS else "MISSED"
    print(f"{'chart open (read+banner+Summary)':<34}{p50:>9.1f}{p95:>9.1f}{worst:>9.1f}  "
          f"< {CHART_OPEN_TARGET_MS:.0f} ms p95: {verdict}")
    for title, values in tab_samples.items():
        if values:
            t50, t95, tmax = _ms(values)
            print(f"{'  switch to ' + title:<34}{t50:>9.1f}{t95:>9.1f}{tmax:>9.1f}")
    return 1 if options.strict and verdict != "ok" else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ui_bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--generator", choices=sorted(dataset.GENERATORS), default="demo")
    parser.add_argument("--iterations", type=int, default=60, help="charts opened and timed")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--tab-iterations", type=int, default=20,
                        help="charts on which every tab switch is timed too")
    parser.add_argument("--data-dir", default=str(Path(__file__).parent / ".cache"))
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    return run(options, lambda message: print(message, file=sys.stderr, flush=True))


if __name__ == "__main__":
    raise SystemExit(main())
