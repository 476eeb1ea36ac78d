# nsrsim: two commands for a fresh machine (make run, make test); see README.md.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= configs/baseline.yaml
DASHBOARD_CONFIG ?= configs/baseline.yaml

# The first interpreter that is Python >= 3.12 (Mesa 3.5 needs it): PATH first, then pyenv.
FIND_PYTHON := for p in python3.12 python3.13 python3.14 python3 python \
	$(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	  if command -v $$p >/dev/null 2>&1 && \
	     $$p -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then \
	    command -v $$p; break; fi; done

.PHONY: run test lint bench world map clean-venv dashboard dashboard-assets

$(BIN)/python:
	@py="$$($(FIND_PYTHON))"; \
	if [ -z "$$py" ]; then \
	  echo "error: nsrsim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found on PATH or under ~/.pyenv/versions. Install Python 3.12 (e.g. 'pyenv install 3.12') and run make again." >&2; \
	  exit 2; fi; \
	echo "Using $$py ($$($$py --version)) to create $(VENV)"; \
	$$py -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,geo-build,distributed,dashboard,browser-test]'
	@touch $@ $(VENV)/.installed-run $(VENV)/.installed-dashboard

# after an install or a change of the source, compile the kernels (into a folder per source
# version, nsrsim/compiled_cache.py) and cache the baseline's travel times once: no run pays
# for them, the first 'nsrsim run' takes what every later one does
SOURCES := $(shell find nsrsim -name '*.py')
$(VENV)/.warmed: pyproject.toml $(SOURCES) | $(VENV)/.installed-run
	$(BIN)/python -m nsrsim.warm
	@touch $@

$(VENV)/.installed-dashboard: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dashboard]'
	@touch $@ $(VENV)/.installed-run

# Solara's front-end assets from the npm registry into a local cache: the dashboard then
# works without internet (docs: README, "Dashboard")
dashboard-assets: $(VENV)/.installed-dashboard
	$(BIN)/python -m nsrsim.dashboard.assets

dashboard: dashboard-assets $(VENV)/.warmed
	$(BIN)/nsrsim dashboard $(DASHBOARD_CONFIG)

run: $(VENV)/.installed-run $(VENV)/.warmed
	$(BIN)/nsrsim run $(CONFIG)

test: $(VENV)/.installed-dev $(VENV)/.warmed dashboard-assets
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-run $(VENV)/.warmed
	$(BIN)/python experiments/benchmarks/bench.py

clean-venv:
	rm -rf $(VENV)
