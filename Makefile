# Two commands do all set-up on a fresh Debian machine with Python 3.11:
#   make run    - creates .venv, makes a demo practice in ./demo-data (first time), starts the app
#   make test   - creates .venv and runs the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO_DIR ?= $(CURDIR)/demo-data
DEMO_PATIENTS ?= 500
PYTEST_ARGS ?=
BENCH_ARGS ?=
SYNC_BENCH_ARGS ?=
UI_BENCH_ARGS ?=
PRINT_BENCH_ARGS ?=

.PHONY: run test venv bench bench-sync bench-ui bench-print screenshots clean

$(BIN)/emr-desktop: pyproject.toml
	PYTHON=$(PYTHON) bash scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/emr-desktop

DEMO_HUB ?= sqlite:///$(DEMO_DIR)-hub/hub.db

run: venv
	@if [ ! -f "$(DEMO_DIR)/store.json" ]; then \
	  $(BIN)/emr-desktop --data-dir "$(DEMO_DIR)" demo --patients $(DEMO_PATIENTS) && \
	  $(BIN)/emr-desktop hub init "$(DEMO_HUB)" && \
	  $(BIN)/emr-desktop --data-dir "$(DEMO_DIR)" enroll "$(DEMO_HUB)" \
	    "$$($(BIN)/emr-desktop hub enroll-code "$(DEMO_HUB)" --site front-desk)"; fi
	$(BIN)/emr-desktop --data-dir "$(DEMO_DIR)" gui

test: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: venv
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Sync through the hub's HTTP API on a throwaway PostgreSQL cluster (benchmarks/README.md)
bench-sync: venv
	$(BIN)/python -m benchmarks.sync_bench $(SYNC_BENCH_ARGS)

# Desktop client: chart open in the UI on the 20,000-patient chart, cold start to the login window
bench-ui: venv
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.ui_bench $(UI_BENCH_ARGS)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m benchmarks.startup_bench

# Printed documents: visit summary and prescription PDF generation (no database, no Qt)
bench-print: venv
	$(BIN)/python -m benchmarks.print_bench $(PRINT_BENCH_ARGS)

# Screenshots of the main screens (offscreen, synthetic demo data) into docs/screenshots/
# (demo names include Chinese and Greek ones: a font that covers them, as any desktop has)
screenshots: venv
	@fc-list | grep -qi "wqy\|noto.*cjk" || { [ "$$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-microhei; } || true
	QT_QPA_PLATFORM=offscreen $(BIN)/python tools/screenshots.py docs/screenshots

clean:
	rm -rf $(VENV) build *.egg-info
