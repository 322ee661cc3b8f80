"""A real CUPS print queue for tests: a cups-pdf printer (``EMR_PDF``) whose jobs become PDF files.

``ensure_pdf_queue()`` starts the CUPS scheduler when it is not running (as root: ``cupsd``, then
waits for ``lpstat -r``), adds the queue with the cups-pdf PPD, and gives it its own cups-pdf
configuration (``/etc/cups/cups-pdf-EMR_PDF.conf``; cups-pdf reads ``cups-pdf-<name>.conf`` for the
device URI ``cups-pdf:/<name>``) so output lands in ``/var/spool/cups-pdf-emr/<user>/`` with the job
number in the file name (``Label 1``): a job is found by its id, whoever sent it. Set-up is
idempotent and serialised with a lock file (pytest-xdist workers may both ask). The scheduler and
the queue are left in place for later runs (this is a test printer; nothing reaches paper).

Debian's packages: ``cups`` and ``printer-driver-cups-pdf`` (``scripts/system-deps.sh`` installs them).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

QUEUE = "EMR_PDF"
OUTPUT_ROOT = Path("/var/spool/cups-pdf-emr")
CUPS_CONF_DIR = Path("/etc/cups")
BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
PPD_CANDIDATES = (Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"),
                  Path("/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd"),
                  Path("/usr/share/cups/model/CUPS-PDF_opt.ppd"))
INSTALL_HINT = ("CUPS with the cups-pdf driver is needed for the real-printer test: install Debian's "
                "packages (apt-get install -y cups printer-driver-cups-pdf, or run scripts/system-deps.sh "
                "as root).")
SCHEDULER_TIMEOUT_S = 30.0
LOGS = (Path("/var/log/cups/error_log"), Path(f"/var/log/cups/cups-pdf-{QUEUE}_log"))


class CupsMissing(RuntimeError):
    """CUPS, cups-pdf or the rights to set up the queue are missing on this machine."""


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def _run(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False)


def scheduler_running() -> bool:
    lpstat = _tool("lpstat")
    return lpstat is not None and "scheduler is running" in _run(lpstat, "-r", timeout=10).stdout


def find_ppd() -> Path | None:
    """The cups-pdf PPD: a known path, else what ``lpinfo -m`` lists (its name relative to a model
    folder, e.g. ``lsb/usr/cups-pdf/CUPS-PDF_opt.ppd``)."""
    for candidate in PPD_CANDIDATES:
        if candidate.is_file():
            return candidate
    lpinfo = _tool("lpinfo")
    if lpinfo is None or not scheduler_running():
        return None
    for line in _run(lpinfo, "-m").stdout.splitlines():
        model = line.split(" ", 1)[0]
        if "cups-pdf" in model.lower() and model.lower().endswith(".ppd"):
            tail = model.split("/usr/", 1)[-1]
            for root in (Path("/usr/share/ppd"), Path("/usr/share/cups/model"), Path("/usr")):
                if (root / tail).is_file():
                    return root / tail
    return None


def _wait_for_scheduler(deadline: float) -> None:
    while not scheduler_running():
        if time.monotonic() > deadline:
            raise CupsMissing(f"cupsd was started but the scheduler did not answer within "
                              f"{SCHEDULER_TIMEOUT_S:.0f} s.\n{diagnostics()}")
        time.sleep(0.1)  # polling the scheduler, bounded by the deadline


@dataclass(frozen=True)
class CupsPdfQueue:
    """The cups-pdf queue: ``name`` for ``lp -d``; finished jobs appear as PDF files under ``output_root``."""

    name: str
    output_root: Path

    def output_of(self, job_id: str, since: float = 0.0) -> Path | None:
        """The PDF a completed job produced (``job_id`` as ``lp`` printed it, e.g. ``EMR_PDF-7``), or
        None while the job is not finished. ``since``: ignore files older than this (time.time();
        CUPS may number jobs from 1 again after its job history is purged). Cheap enough to poll."""
        number = job_id.rsplit("-", 1)[-1]
        if not number.isdigit():
            raise ValueError(f"not a CUPS job id: {job_id!r}")
        pattern = re.compile(rf"job_{number}\.pdf$")
        files = [p for p in self.output_root.glob("*/*.pdf")
                 if pattern.search(p.name) and p.stat().st_mtime >= since]
        if not files or job_id not in self.completed_jobs():
            return None
        return files[0]

    def completed_jobs(self) -> set[str]:
        lpstat = _tool("lpstat") or "lpstat"
        out = _run(lpstat, "-W", "completed", "-o", self.name, timeout=10).stdout
        return {line.split()[0] for line in out.splitlines() if line.strip()}

    def job_state(self, job_id: str) -> str:
        """What CUPS says about the job (for failure messages)."""
        lpstat = _tool("lpstat") or "lpstat"
        return _run(lpstat, "-l", "-W", "all", "-o", self.name, timeout=10).stdout[-2000:] \
            + _run(lpstat, "-p", self.name, "-l", timeout=10).stdout[-1000:]


def diagnostics() -> str:
    """The tail of the CUPS logs (they name queues and jobs, no document content)."""
    parts = []
    for log in LOGS:
        try:
            parts.append(f"--- {log}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:]))
        except OSError:
            continue
    return "\n".join(parts)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.is_file() or path.read_text() != text:
        path.write_text(text)


def ensure_pdf_queue(name: str = QUEUE, output_root: Path = OUTPUT_ROOT) -> CupsPdfQueue:
    """A ready cups-pdf queue; raises CupsMissing with what to do when it cannot be had."""
    missing = [tool for tool in ("lp", "lpstat", "lpadmin", "cupsd") if _tool(tool) is None]
    if missing:
        raise CupsMissing(f"Missing CUPS programs: {', '.join(missing)}. {INSTALL_HINT}")
    if not BACKEND.is_file():
        raise CupsMissing(f"The cups-pdf backend ({BACKEND}) is missing. {INSTALL_HINT}")
    try:
        import fcntl
    except ImportError as exc:  # Windows: no CUPS to test against
        raise CupsMissing("CUPS tests run on Linux and macOS only.") from exc
    as_root = os.geteuid() == 0
    lock_path = Path(tempfile.gettempdir()) / "emr-desktop-cups-setup.lock"
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not scheduler_running():
            if not as_root:
                raise CupsMissing("The CUPS scheduler is not running and only root may start it "
                                  "(run cupsd as root, or the tests as root).")
            started = _run(_tool("cupsd") or "cupsd", timeout=30)  # forks into the background
            if started.returncode != 0:
                raise CupsMissing(f"cupsd did not start: {started.stderr.strip()}\n{diagnostics()}")
            _wait_for_scheduler(time.monotonic() + SCHEDULER_TIMEOUT_S)
        lpstat = _tool("lpstat") or "lpstat"
        exists = _run(lpstat, "-v", name, timeout=10).returncode == 0
        if not as_root:
            if not exists:
                raise CupsMissing(f"The test printer {name} does not exist and only root may add it.")
            return CupsPdfQueue(name, output_root)
        ppd = find_ppd()
        if ppd is None:
            raise CupsMissing(f"The cups-pdf PPD was not found. {INSTALL_HINT}")
        output_root.mkdir(parents=True, exist_ok=True)
        _write_if_changed(CUPS_CONF_DIR / f"cups-pdf-{name}.conf",
                          "# emr-desktop tests: the EMR_PDF queue (tests/support/cups.py)\n"
                          f"Out {output_root}/${{USER}}\n"
                          f"AnonDirName {output_root}/ANONYMOUS\n"
                          "Label 1\n")
        added = _run(_tool("lpadmin") or "lpadmin", "-p", name, "-v", f"cups-pdf:/{name}", "-E",
                     "-P", str(ppd), "-o", "printer-error-policy=abort-job")
        if added.returncode != 0:
            raise CupsMissing(f"lpadmin could not add the printer {name}: {added.stderr.strip()}")
        for tool in ("cupsenable", "cupsaccept"):  # a queue left stopped by an earlier failure
            path = _tool(tool)
            if path:
                _run(path, name, timeout=10)
    return CupsPdfQueue(name, output_root)
