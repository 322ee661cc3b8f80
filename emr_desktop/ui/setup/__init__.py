"""First-run set-up: a new practice, or joining a practice hub (then the recovery key, once)."""

from emr_desktop.ui.setup.wizard import SetupOutcome, SetupWizard

__all__ = ["SetupOutcome", "SetupWizard"]
