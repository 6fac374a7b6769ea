# Two commands do all set-up on a fresh machine:
#   make demo   - virtual environment, finews installed, bundled samples ingested, site built
#   make test   - test dependencies and Debian packages (PostgreSQL, Chromium) installed, lint, whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

# pip 23 (what python3 -m venv brings here) cannot resolve lxml[html-clean] extras: start from a newer one.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "pip>=24.1"

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/finews demo demo

test: $(VENV)/.installed-test
	bash scripts/system-packages.sh
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	bash scripts/system-packages.sh --bench
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/fetch.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/understand.py
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) demo .pytest_cache .ruff_cache .mypy_cache
