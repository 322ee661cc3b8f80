"""``python -m benchmarks``: run every measure and print the table."""

from benchmarks.harness import main

raise SystemExit(main())
