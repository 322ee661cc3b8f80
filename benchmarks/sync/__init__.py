"""Helpers of the sync benchmark (``python -m benchmarks.sync_bench``)."""
