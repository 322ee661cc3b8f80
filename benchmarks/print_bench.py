"""``python -m benchmarks.print_bench``: how long building a printed document takes.

Times ``build_visit_summary`` and ``build_prescriptions`` on synthetic records
(``emr_desktop.printing.samples``) - the PDF bytes in memory, as the preview and the printer get
them - and prints p50 / p95 in a small table with the targets: a typical visit summary p50 < 150 ms,
a single prescription p50 < 80 ms. No database, no Qt: the time of reading the chart is the
service's and is measured with the chart benchmarks.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import reportlab

from emr_desktop.printing import samples
from emr_desktop.printing.data import PrintSettings
from emr_desktop.printing.fonts import ensure_fonts
from emr_desktop.printing.prescription import build_prescriptions
from emr_desktop.printing.visit_summary import build_visit_summary


@dataclass(frozen=True)
class Measure:
    label: str
    build: Callable[[], bytes]
    target_p50_ms: float | None


@dataclass(frozen=True)
class Result:
    measure: Measure
    p50_ms: float
    p95_ms: float
    max_ms: float
    pages: int
    size_kb: float

    @property
    def ok(self) -> bool | None:
        target = self.measure.target_p50_ms
        return None if target is None else self.p50_ms < target


def _percentile_ms(samples_ns: Sequence[int], pct: int) -> float:
    ordered = sorted(samples_ns)
    if len(ordered) == 1:
        return ordered[0] / 1e6
    return statistics.quantiles(ordered, n=100, method="inclusive")[pct - 1] / 1e6


def measures() -> list[Measure]:
    letter = PrintSettings()
    four_up = PrintSettings(prescriptions_per_page=4)
    chinese = replace(samples.PATIENT, name="王芳 (Wang Fang)")
    return [
        Measure("visit summary, typical (6 medications)",
                lambda: build_visit_summary(samples.visit_summary(), letter), 150.0),
        Measure("prescription, single", lambda: build_prescriptions([samples.prescription()], letter), 80.0),
        Measure("visit summary, 40 medications",
                lambda: build_visit_summary(samples.visit_summary(medication_count=40), letter), None),
        Measure("visit summary, CJK name (fallback font)",
                lambda: build_visit_summary(samples.visit_summary(patient=chinese), letter), None),
        Measure("prescriptions, 4 per page + 1 controlled",
                lambda: build_prescriptions([*(samples.prescription(number=n) for n in range(1, 5)),
                                             samples.prescription(controlled=True, number=5)], four_up),
                None),
    ]


def run(iterations: int, warmup: int) -> tuple[float, list[Result]]:
    started = time.perf_counter_ns()
    ensure_fonts()
    first_ms = (time.perf_counter_ns() - started) / 1e6
    results: list[Result] = []
    for measure in measures():
        for _ in range(warmup):
            measure.build()
        samples_ns: list[int] = []
        pdf = b""
        gc.collect()
        for _ in range(iterations):
            begin = time.perf_counter_ns()
            pdf = measure.build()
            samples_ns.append(time.perf_counter_ns() - begin)
        results.append(Result(measure, _percentile_ms(samples_ns, 50), _percentile_ms(samples_ns, 95),
                              max(samples_ns) / 1e6, pdf.count(b"/Type /Page\n"), len(pdf) / 1024))
    return first_ms, results


def format_table(first_ms: float, results: Sequence[Result], iterations: int, warmup: int) -> str:
    lines = [
        f"Printing benchmark: {iterations} builds per row after {warmup} warm-up builds "
        f"(PDF bytes in memory)",
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
        f"reportlab {reportlab.Version}",
        f"font registration (once per process, before the rows): {first_ms:.1f} ms",
        "",
        "| document | pages | KB | p50 ms | p95 ms | max ms | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        target = "-" if r.ok is None else \
            f"p50 < {r.measure.target_p50_ms:.0f} {'PASS' if r.ok else 'FAIL'}"
        lines.append(f"| {r.measure.label} | {r.pages} | {r.size_kb:.0f} | {r.p50_ms:.1f} | "
                     f"{r.p95_ms:.1f} | {r.max_ms:.1f} | {target} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.print_bench",
                                     description="Time building printed documents (PDF bytes).")
    parser.add_argument("--iterations", type=int, default=200,
                        help="timed builds per row (default 200)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed builds per row first (default iterations/10, at least 3)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target fails")
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")
    warmup = args.warmup if args.warmup is not None else max(3, args.iterations // 10)
    first_ms, results = run(args.iterations, warmup)
    print(format_table(first_ms, results, args.iterations, warmup))
    failed = [r for r in results if r.ok is False]
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
