"""Generation of the patients' rows, batch by batch, in this process or in a helper process.

Generating a chart costs about as much CPU as writing it to the encrypted database, so on a
machine with two or more cores a helper process generates while this process writes. The helper
is a plain ``python -m emr_desktop.demo.helper`` child (not multiprocessing, whose "spawn" mode
re-runs an unguarded ``__main__`` such as ``python -m emr_desktop`` in the child). It reads the
plan on stdin and writes the batches, pickled, to its stdout; the pipe's small buffer is the
back-pressure that bounds memory. It never opens the database. It generates the patients
strictly in order with the same code as the in-process path, so the rows are the same either way
(the tests compare both). Frozen builds, which cannot run ``-m``, generate in-process.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

import emr_desktop
from emr_desktop.demo.clinic import ChartWriter
from emr_desktop.demo.context import DemoContext, StaffMember
from emr_desktop.demo.people import PRACTICE_TIME_ZONE, build_pools
from emr_desktop.demo.rows import Batch, RowBuffer
from emr_desktop.demo.schedule import ScheduleBook
from emr_desktop.domain.enums import Role

log = logging.getLogger(__name__)
HELPER_MODULE = "emr_desktop.demo.helper"
#: Below this many batches the helper process costs more to start than it saves.
MIN_PARALLEL_BATCHES = 3


@dataclass(frozen=True)
class Plan:
    """Everything that determines the generated rows (picklable, holds no secrets)."""

    seed: int
    patients: int
    as_of: date
    site: str
    staff: tuple[StaffMember, ...]
    batch_size: int

    def batches(self) -> int:
        return -(-self.patients // self.batch_size)


def generate_batches(plan: Plan) -> Iterator[Batch]:
    """The run's batches, in patient order."""
    staff = plan.staff
    ctx = DemoContext(
        as_of=plan.as_of, tz=ZoneInfo(PRACTICE_TIME_ZONE),
        providers=tuple(s for s in staff if s.role == Role.PROVIDER.value),
        nurses=tuple(s for s in staff if s.role == Role.NURSE.value),
        front_desk=next(s for s in staff if s.role == Role.FRONT_DESK.value),
        pools=build_pools(plan.seed), total_patients=plan.patients,
    )
    buffer = RowBuffer(SQLiteDialect_pysqlite(), plan.site)
    charts = ChartWriter(ctx, buffer, ScheduleBook(ctx, plan.seed), plan.seed)
    for first in range(0, plan.patients, plan.batch_size):
        for index in range(first, min(first + plan.batch_size, plan.patients)):
            charts.write_patient(index)
        yield buffer.take()


@dataclass(frozen=True)
class _Failure:
    """The helper's error, as text (exceptions do not always pickle)."""

    text: str


def use_helper(plan: Plan) -> bool:
    return (plan.batches() >= MIN_PARALLEL_BATCHES and (os.cpu_count() or 1) >= 2
            and not getattr(sys, "frozen", False))


@contextmanager
def produce(plan: Plan, *, parallel: bool) -> Iterator[Iterator[Batch]]:
    """Iterate the run's batches; with ``parallel`` they come from a helper process."""
    if not parallel:
        yield generate_batches(plan)
        return
    env = dict(os.environ)
    package_root = str(Path(emr_desktop.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    try:
        helper = subprocess.Popen([sys.executable, "-m", HELPER_MODULE], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, env=env)
    except OSError as exc:  # no usable interpreter to start (embedded Python, say)
        log.warning("demo generator helper could not start (%s); generating in-process",
                    type(exc).__name__)
        yield generate_batches(plan)
        return
    assert helper.stdin is not None and helper.stdout is not None
    try:
        pickle.dump(plan, helper.stdin, protocol=pickle.HIGHEST_PROTOCOL)
        helper.stdin.close()
        yield _receive(helper, helper.stdout, plan)
    finally:
        if helper.poll() is None:
            helper.kill()
        helper.stdout.close()
        helper.wait()


def _receive(helper: subprocess.Popen[bytes], channel: IO[bytes], plan: Plan) -> Iterator[Batch]:
    received = 0
    while True:
        try:
            item = pickle.load(channel)
        except EOFError:
            code = helper.wait()
            if received == 0:
                # The helper could not start here (another interpreter layout, say): generate
                # in this process instead; the rows are the same.
                log.warning("demo generator helper exited with code %s; generating in-process", code)
                yield from generate_batches(plan)
                return
            raise RuntimeError(f"the demo generator process stopped unexpectedly (exit code {code})") from None
        if item is None:
            return
        if isinstance(item, _Failure):
            raise RuntimeError("generating the demo patients failed:\n" + item.text)
        received += 1
        yield item


def helper_main() -> int:
    """The helper process (``emr_desktop.demo.helper``): the plan on stdin, pickled batches on
    stdout, then ``None``."""
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray output must never corrupt the
    sys.stdout = sys.stderr  # channel, whether it comes from Python or from a C library
    plan = pickle.load(sys.stdin.buffer)
    try:
        for batch in generate_batches(plan):
            pickle.dump(batch, channel, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(None, channel)
    except BrokenPipeError:
        return 1  # the parent stopped reading (it failed or was interrupted)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        pickle.dump(_Failure(traceback.format_exc(limit=8)), channel)
    channel.close()
    return 0
