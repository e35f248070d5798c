# Two entry points for a fresh machine (see README): `make demo` and `make test`.
# Both create .venv and install corridor into it on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint

$(STAMP): pyproject.toml
	@echo "setting up $(VENV): corridor and what it needs, once (about a minute)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/corridor validate scenarios/baseline.yaml
	$(BIN)/corridor validate scenarios/direct_flight.yaml
	$(BIN)/corridor plan scenarios/direct_flight.yaml --from NQZ --to VNO --depart 2027-03-01T08:00
	@echo; echo "=== what does the direct flight change? ==="
	rm -rf demo-report
	$(BIN)/corridor compare scenarios/baseline.yaml scenarios/direct_flight.yaml --replications 5 --out demo-report
	@echo "open demo-report/report.html in a browser for the whole report"

test: setup
	$(BIN)/python -m pytest -n auto --dist loadfile --durations=15

lint: setup
	$(BIN)/pip install --quiet --disable-pip-version-check ruff mypy
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src
