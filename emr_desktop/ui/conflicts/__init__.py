"""Sync conflict review."""
