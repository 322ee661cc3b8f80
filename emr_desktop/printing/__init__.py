"""Printed documents (visit summary, prescriptions) built with reportlab from plain records.

No Qt, no database: builders take the frozen dataclasses of ``printing.data`` and return PDF
bytes in memory (never a temp file).
"""

from emr_desktop.printing.data import (
    MedicationLine,
    PatientLine,
    PracticeHeader,
    Prescriber,
    PrescriptionData,
    PrintSettings,
    VisitSummaryData,
)

__all__ = [
    "MedicationLine",
    "PatientLine",
    "PracticeHeader",
    "Prescriber",
    "PrescriptionData",
    "PrintSettings",
    "VisitSummaryData",
]
