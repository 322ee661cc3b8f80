"""Figures and the printed table: percentiles from sorted samples, targets with PASS/FAIL."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from benchmarks.dataset import GenerationRecord


def percentile_ms(samples_ns: Sequence[int], pct: int) -> float:
    """The ``pct``-th percentile in milliseconds (inclusive method: no value beyond the largest
    sample; with one sample, that sample)."""
    if not samples_ns:
        raise ValueError("no samples")
    ordered = sorted(samples_ns)
    if len(ordered) == 1:
        return ordered[0] / 1e6
    return statistics.quantiles(ordered, n=100, method="inclusive")[pct - 1] / 1e6


@dataclass(frozen=True)
class MachineInfo:
    cpus: int
    platform: str
    python: str
    sqlcipher: str
    crypto_provider: str
    sqlite: str


@dataclass(frozen=True)
class DataInfo:
    patients: int
    seed: int
    generator: str
    total_rows: int
    tables: int
    outbox_rows: int


@dataclass(frozen=True)
class Timing:
    key: str
    label: str
    kind: Literal["read", "write"]
    encrypted_ns: tuple[int, ...]
    plain_ns: tuple[int, ...]
    #: Rows returned (reads) or written (writes) per call, on average.
    mean_rows: float
    p95_target_ms: float | None
    max_overhead: float

    def p50(self, side: str) -> float:
        return percentile_ms(self.encrypted_ns if side == "encrypted" else self.plain_ns, 50)

    def p95(self, side: str) -> float:
        return percentile_ms(self.encrypted_ns if side == "encrypted" else self.plain_ns, 95)

    @property
    def overhead(self) -> float:
        """Encrypted / plain, on the medians (robust to the odd slow call on either side)."""
        return self.p50("encrypted") / self.p50("plain")

    @property
    def p95_ok(self) -> bool | None:
        return None if self.p95_target_ms is None else self.p95("encrypted") < self.p95_target_ms

    @property
    def overhead_ok(self) -> bool:
        return self.overhead <= self.max_overhead


@dataclass(frozen=True)
class Report:
    machine: MachineInfo
    data: DataInfo
    generation: GenerationRecord
    cached: bool
    iterations: int
    warmup: int
    timings: tuple[Timing, ...]
    #: The generator's source changed since the cached chart was made (--fresh regenerates).
    generator_changed: bool = False

    def checks(self) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        for t in self.timings:
            if t.p95_ok is not None:
                out.append((f"{t.label} p95 < {t.p95_target_ms:g} ms", t.p95_ok))
            out.append((f"{t.label} overhead <= {t.max_overhead:g}x", t.overhead_ok))
        return out

    def failures(self) -> list[str]:
        return [name for name, ok in self.checks() if not ok]


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def format_report(report: Report) -> str:
    m, d, g = report.machine, report.data, report.generation
    when = (f"cached, generated {g.generated_at}; --fresh regenerates" if report.cached
            else "generated now")
    lines = [
        "emr-desktop benchmarks",
        f"  machine   {m.cpus} CPUs, {m.platform}, Python {m.python}",
        f"  database  SQLCipher {m.sqlcipher} ({m.crypto_provider}), SQLite {m.sqlite}",
        f"  data      {d.patients:,} patients (seed {d.seed}, generator {d.generator}), "
        f"{d.total_rows:,} rows in {d.tables} tables (of which {d.outbox_rows:,} outbox ops)",
        f"  timing    {report.iterations} timed calls per measure and chart after {report.warmup} "
        "warm-up calls; encrypted and plain alternate; times in ms",
        "",
        f"  {'chart generation':<27}{g.generation_seconds:>10.1f} s     ({when})",
        *([f"  {'':<27}note: the generator changed since this chart was made; "
            "--fresh regenerates it"] if report.generator_changed else []),
        f"  {'chart file size':<27}{_mb(g.encrypted_bytes):>12}   encrypted;  "
        f"plain copy {_mb(g.plain_bytes)} ({g.encrypted_bytes / g.plain_bytes:.2f}x)",
        "",
    ]
    header = (f"  {'measure':<27}{'rows':>7}  {'enc p50':>8}{'enc p95':>9}  {'plain p50':>9}"
              f"{'plain p95':>10}  {'overhead':>8}   {'p95 target':<16} {'overhead target':<15}")
    lines += [header, "  " + "-" * (len(header) - 2)]
    for t in report.timings:
        p95_target = "-" if t.p95_ok is None else f"< {t.p95_target_ms:g} ms {_verdict(t.p95_ok)}"
        lines.append(
            f"  {t.label:<27}{t.mean_rows:>7.1f}  {t.p50('encrypted'):>8.2f}{t.p95('encrypted'):>9.2f}"
            f"  {t.p50('plain'):>9.2f}{t.p95('plain'):>10.2f}  {t.overhead:>7.2f}x   "
            f"{p95_target:<16} <= {t.max_overhead:g}x {_verdict(t.overhead_ok)}")
    checks = report.checks()
    failed = [name for name, ok in checks if not ok]
    lines += ["", f"  targets: {len(checks) - len(failed)} PASS, {len(failed)} FAIL"
              + (f" ({'; '.join(failed)})" if failed else "")]
    lines.append("  overhead = encrypted p50 / plain p50; rows = rows returned (reads) or written "
                 "(save) per call")
    return "\n".join(lines)
