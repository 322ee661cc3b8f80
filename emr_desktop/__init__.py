"""emr-desktop: offline-first desktop electronic medical record for small practices."""

__version__ = "0.1.0"
