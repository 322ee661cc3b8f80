"""Immunizations as a table: date, vaccine, CVX, given here / historical / refused, dose number,
lot, site, and who gave it (or where a historical dose was reported from). Refusals are muted."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import ImmunizationKind
from emr_desktop.domain.records import ImmunizationDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis

#: Who a user id is, for the "By" column ("" when not known here).
UserName = Callable[[uuid.UUID | None], str]

KIND_TEXT = {ImmunizationKind.GIVEN.value: "Given", ImmunizationKind.HISTORICAL.value: "Historical",
             ImmunizationKind.REFUSED.value: "Refused"}


class Column(IntEnum):
    DATE = 0
    VACCINE = 1
    CVX = 2
    KIND = 3
    DOSE = 4
    LOT = 5
    SITE = 6
    BY = 7


def _date(value: date | None) -> str:
    return f"{value:%m/%d/%Y}" if value is not None else ""


def _details(i: ImmunizationDTO) -> str:
    lines = [f"{i.vaccine} (CVX {i.cvx_code})"]
    if i.kind == ImmunizationKind.REFUSED.value:
        lines.append(f"Refused: {i.refusal_reason}")
    if i.kind == ImmunizationKind.HISTORICAL.value and i.source:
        lines.append(f"Source: {i.source}")
    product = ", ".join(part for part in (
        i.manufacturer, i.route, f"{i.dose_ml} mL" if i.dose_ml else "",
        f"lot {i.lot_number}" if i.lot_number else "",
        f"expires {_date(i.expiration_date)}" if i.expiration_date else "") if part)
    if product:
        lines.append(product)
    if i.vis_date:
        lines.append(f"VIS edition {_date(i.vis_date)}")
    return "\n".join(lines)


def _emphasis(i: ImmunizationDTO) -> Emphasis:
    return Emphasis.MUTED if i.kind == ImmunizationKind.REFUSED.value else Emphasis.NONE


def _columns(user_name: UserName) -> list[ColumnSpec[ImmunizationDTO]]:
    def by(i: ImmunizationDTO) -> str:
        if i.kind == ImmunizationKind.GIVEN.value:
            return user_name(i.administered_by_id)
        return i.source if i.kind == ImmunizationKind.HISTORICAL.value else ""

    return [
        ColumnSpec("Date", lambda i: _date(i.occurrence_date), emphasis=_emphasis),
        ColumnSpec("Vaccine", lambda i: i.vaccine, _details, _emphasis),
        ColumnSpec("CVX", lambda i: i.cvx_code, emphasis=_emphasis),
        ColumnSpec("Kind", lambda i: KIND_TEXT.get(i.kind, i.kind), _details, _emphasis),
        ColumnSpec("Dose #", lambda i: str(i.dose_number) if i.dose_number else "", emphasis=_emphasis,
                   align_right=True),
        ColumnSpec("Lot", lambda i: i.lot_number, _details, _emphasis),
        ColumnSpec("Site", lambda i: i.site, emphasis=_emphasis),
        ColumnSpec("By / source", by, _details, _emphasis),
    ]


class ImmunizationTableModel(DtoTableModel[ImmunizationDTO]):
    def __init__(self, parent: Any = None, *, user_name: UserName = lambda _id: "") -> None:
        super().__init__(_columns(user_name), parent)
