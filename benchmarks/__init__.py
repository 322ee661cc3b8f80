"""Benchmarks for emr-desktop: ``python -m benchmarks`` prints one table (see README.md)."""
