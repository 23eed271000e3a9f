# trustexp: `make demo` renders the demo report, `make test` runs the tests.
# Both build the environment in .venv first, on a machine with Python 3.11 and make.
# .ci/constraints.txt pins every dependency to the version the tests passed with.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test lint bench reference simulate clean

$(STAMP): pyproject.toml .ci/constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "trustexp needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c .ci/constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trustexp report --demo -o demo-report.html
	@echo "The demo report is in demo-report.html"

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c .ci/constraints.txt -e '.[test,bench]'
	$(BIN)/python benchmarks/run_all.py

# The simulation studies of size and coverage (slow; each seeded): tests/simulation/README.md
simulate: $(STAMP)
	$(BIN)/python -m pytest -q -m slow tests/simulation

# Regenerates tests/reference/*.json; needs R with estimatr, sandwich, psych, jsonlite.
reference:
	cd tests/reference && for f in *.R; do Rscript "$$f" || exit 1; done

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache demo-report.html
