"""Entry point of the demo generator's helper process (see producer.py). Kept apart from the
package's other modules so that ``python -m`` runs it without importing it twice."""

from emr_desktop.demo.producer import helper_main

if __name__ == "__main__":
    raise SystemExit(helper_main())
