"""Workstation side of sync: hybrid logical clock, change capture, push/pull (issue 4)."""
