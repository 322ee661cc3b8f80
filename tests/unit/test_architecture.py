"""Import rules of DESIGN §2, checked on the source: only ui/ and app.py import PySide6; domain/
imports nothing internal; nothing below ui imports ui; DTO fields match their ORM columns."""

from __future__ import annotations

import ast
from dataclasses import fields
from pathlib import Path

import pytest

import emr_desktop
from emr_desktop.domain import records
from emr_desktop.models import UserAccount
from emr_desktop.services.base import RecordService

PACKAGE = Path(emr_desktop.__file__).parent
SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _area(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_import_direction(path: Path) -> None:
    area = _area(path)
    imports = _imports(path)
    qt = {m for m in imports if m.split(".")[0] in {"PySide6", "shiboken6"}}
    if area not in {"ui", "app"}:
        assert not qt, f"only ui/ and app.py may import Qt, {path} imports {qt}"
    internal = {m.split(".")[1] for m in imports if m.startswith("emr_desktop.") and m.count(".") >= 1}
    if area == "domain":
        assert internal <= {"domain"}, f"domain/ must import nothing internal: {internal}"
    if area not in {"ui", "app", "cli"}:
        assert "ui" not in internal and "app" not in internal, f"{path} imports the UI layer"
    if area in {"models", "db", "sync", "security", "printing", "clinical", "interop", "server"}:
        assert "services" not in internal, f"{path} (a lower layer) imports services"


def _services() -> list[type[RecordService]]:  # type: ignore[type-arg]
    found: list[type[RecordService]] = []  # type: ignore[type-arg]
    stack = list(RecordService.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if "model" in cls.__dict__:
            found.append(cls)
    return found


def test_every_dto_field_is_a_column() -> None:
    import emr_desktop.services.registry  # noqa: F401 - registers every service

    checked = 0
    for svc in _services():
        columns = set(svc.model.__table__.columns.keys())
        missing = {f.name for f in fields(svc.dto)} - columns
        assert not missing, f"{svc.dto.__name__} fields without a column: {missing}"
        assert svc.creatable <= columns
        checked += 1
    assert checked == 17  # one per chart area with its own table
    assert {f.name for f in fields(records.UserDTO)} - {"roles"} <= set(
        UserAccount.__table__.columns.keys())
