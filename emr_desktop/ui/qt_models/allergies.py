"""Table model for the allergy list: severe active allergies stand out, inactive ones are muted."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from emr_desktop.domain.enums import AllergySeverity, AllergyStatus
from emr_desktop.domain.records import AllergyDTO
from emr_desktop.ui.qt_models.dto_table import ColumnSpec, DtoTableModel, Emphasis


def is_active(allergy: AllergyDTO) -> bool:
    return allergy.status == AllergyStatus.ACTIVE.value


def is_severe(allergy: AllergyDTO) -> bool:
    return is_active(allergy) and allergy.severity == AllergySeverity.SEVERE.value


class AllergyTableModel(DtoTableModel[AllergyDTO]):
    class Column(IntEnum):
        SUBSTANCE = 0
        CATEGORY = 1
        REACTION = 2
        SEVERITY = 3
        STATUS = 4
        ONSET = 5

    def __init__(self, parent: Any = None) -> None:
        def emphasis(allergy: AllergyDTO) -> Emphasis:
            if not is_active(allergy):
                return Emphasis.MUTED
            return Emphasis.CRITICAL if is_severe(allergy) else Emphasis.NONE

        def muted(allergy: AllergyDTO) -> Emphasis:
            return Emphasis.NONE if is_active(allergy) else Emphasis.MUTED

        super().__init__([
            ColumnSpec("Substance", lambda a: a.substance, tooltip=self._substance_tooltip,
                       emphasis=emphasis),
            ColumnSpec("Category", lambda a: a.category, emphasis=muted),
            ColumnSpec("Reaction", lambda a: a.reaction, tooltip=lambda a: a.reaction, emphasis=muted),
            ColumnSpec("Severity", lambda a: a.severity, emphasis=emphasis),
            ColumnSpec("Status", lambda a: a.status, tooltip=lambda a: a.status_reason, emphasis=muted),
            ColumnSpec("Onset", lambda a: a.onset_date.isoformat() if a.onset_date else "",
                       emphasis=muted),
        ], parent)

    @staticmethod
    def _substance_tooltip(allergy: AllergyDTO) -> str:
        lines = [allergy.substance]
        if allergy.code:
            lines.append(f"{allergy.code_system} {allergy.code}".strip())
        if is_severe(allergy):
            lines.append("Severe reaction")
        return "\n".join(lines)
