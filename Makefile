# oneclick: two commands do everything on a fresh machine.
#   make run   builds the warehouse on the embedded demo data, then the report and the docs
#   make test  lints the SQL and the Python, then runs every test
# Both create .venv and install the pinned dependencies themselves on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install lint unit benchmark readme clean

run: $(INSTALLED)
	$(BIN)/oneclick demo
	$(BIN)/oneclick report
	$(BIN)/oneclick docs

test: lint unit

install: $(INSTALLED)

$(INSTALLED): pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "oneclick needs Python 3.11, found " + sys.version)'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $@

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests dbt_project/analyses

unit: $(INSTALLED)
	$(BIN)/pytest

benchmark: $(INSTALLED)
	$(BIN)/python scripts/benchmark --markdown-out benchmarks/latest.md

# The README's numbers come from commands: the segments of the real data (../shared beside the
# repository) and the latest benchmark table.
REAL_DATA ?= ../shared/data/practicum
readme: $(INSTALLED)
	$(BIN)/oneclick build --raw $(REAL_DATA) --warehouse warehouse/practicum/oneclick.duckdb
	$(BIN)/python scripts/update_readme.py --warehouse warehouse/practicum/oneclick.duckdb

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs warehouse/.oneclick
