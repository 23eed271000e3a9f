# trustexp: `make demo` renders the demo report, `make test` runs the tests.
# Both build the environment in .venv first, on a machine with Python 3.11 and make.
# .ci/constraints.txt pins every dependency to the version the tests passed with.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test check fuzz lint types simulate bench reference clean

$(STAMP): pyproject.toml .ci/constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "trustexp needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c .ci/constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/trustexp report --demo -o demo-report.html
	@echo "The demo report is in demo-report.html"

# One BLAS thread per test process: the tests' matrices are small, and several BLAS
# threads per process on a shared machine (or beside a second test process) make a
# 300 x 300 least-squares solve some 25 times slower.
TESTENV := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
# Test processes (pytest-xdist); `make test JOBS=0` runs everything in one process.
JOBS ?= 2

# Everything CI runs: lint, types, and the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(TESTENV) $(BIN)/python -m pytest -n $(JOBS)

# The fast developer loop: lint, types, and the tests not marked slow.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(TESTENV) $(BIN)/python -m pytest -n $(JOBS) -m "not slow and not browser" -q

types: $(STAMP)
	$(BIN)/mypy

# The simulation studies of size and coverage (tests/simulation/, not in CI).
simulate: $(STAMP)
	$(BIN)/python -m pytest -m slow tests/simulation -q
# The fuzzing suite (tests/test_fuzz.py) with many examples per target, repeated with
# fresh random seeds until FUZZ_SECONDS (default 600) have passed; `make test` runs
# the same targets with a few examples each.
FUZZ_SECONDS ?= 600
fuzz: $(STAMP)
	@end=$$(( $$(date +%s) + $(FUZZ_SECONDS) )); round=1; \
	while [ $$(date +%s) -lt $$end ]; do \
	  echo "fuzz round $$round"; \
	  TRUSTEXP_FUZZ=1 $(BIN)/python -m pytest -q -p no:cacheprovider -x tests/test_fuzz.py || exit 1; \
	  round=$$((round + 1)); \
	done

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -c .ci/constraints.txt -e '.[test,bench]'
	$(BIN)/python benchmarks/run_all.py

# The simulation studies of size and coverage (slow; each seeded): tests/simulation/README.md

# Regenerates tests/reference/*.json; needs R with estimatr, sandwich, psych, jsonlite.
reference:
	cd tests/reference && for f in *.R; do Rscript "$$f" || exit 1; done

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache demo-report.html
