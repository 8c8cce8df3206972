# video-localization: every target bootstraps uv and .venv from uv.lock on a machine with only Python 3.11+.
SHELL := /bin/bash
PYTHON ?= python3
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: demo test lint bench bench-fanout chaos chaos-small up down sandbox clean

$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.8"

# The dev kit is reinstalled at each sync: `vloc` is its script alone (the provider once declared it too,
# and a sync that drops the provider's copy would leave none).
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --quiet --reinstall-package video-localization-devkit
	@touch $(STAMP)

demo: $(STAMP)  ## run localize_video end to end on the sandbox vendors (Airflow on SQLite)
	$(VENV)/bin/vloc demo

# Three pytest workers on two cores: most of the suite waits on sandboxes and Airflow processes, not the
# CPU. A module stays on one worker (--dist loadfile), so a module's stack or sandbox starts once.
PYTEST_WORKERS ?= 3

test: $(STAMP)  ## ruff, then pytest (integration tests included)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -n $(PYTEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)  ## measured figures, side by side (not timed tests): memory, polling, waits, trust, download, parse, stack_wakes
	$(VENV)/bin/python -m benchmarks

bench-fanout: $(STAMP)  ## one video x 20 languages x 4 caption formats on the stack (minutes)
	$(VENV)/bin/python -m benchmarks fanout

# Both topologies at once: LocalExecutor/SQLite, and Celery/PostgreSQL/Redis (127.0.0.1:5432 and :6379).
chaos: $(STAMP)  ## vendor faults and crashes on the real stack; fails unless every run completes, nothing paid twice
	$(VENV)/bin/python -m chaos

chaos-small: $(STAMP)  ## the small chaos suite as a pytest test (about 9 minutes; deselected from make test)
	$(VENV)/bin/pytest -q -m chaos tests/integration/test_chaos_small.py

up: $(STAMP)  ## the sandbox plus Airflow, left running for the UI
	$(VENV)/bin/vloc up

down: $(STAMP)
	$(VENV)/bin/vloc down

sandbox: $(STAMP)  ## only the vendor emulators, in the foreground
	$(VENV)/bin/vloc sandbox

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
