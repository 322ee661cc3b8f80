"""``python -m benchmarks``: run every measure and print the table."""

from benchmarks.harness import main

if __name__ == "__main__":
    raise SystemExit(main())
