# Every target sets up its own virtual environment from the project's files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test proof proof-short bench lint run clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/sopbot demo --out demo-output

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

# The real bot crashed at 1,000 seeded points and by 100 kill -9 per database, then checked
# (needs PostgreSQL: TEST_DATABASE_URL, default postgres@127.0.0.1:5432/test). About an hour.
proof: $(STAMP)
	$(BIN)/python -m proof --kills 1000 --external 100

# The same, shorter: what CI runs after the tests.
proof-short: $(STAMP)
	$(BIN)/python -m proof --kills 50 --external 10 --commands 3

# Every benchmark beside its baseline measured in the same run, written to bench/RESULTS.md
# (uses PostgreSQL too when TEST_DATABASE_URL answers). Not part of `make test`. About 12 min.
bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

run: $(STAMP)
	$(BIN)/sopbot run

clean:
	rm -rf $(VENV) demo-output proof-output bench-output .pytest_cache
