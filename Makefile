# oneclick: two commands do everything on a fresh machine.
#   make run   builds the warehouse on the embedded demo months, then the report and the docs
#   make test  lints the SQL and the Python, then runs every test
# Both create .venv and install the pinned dependencies themselves on first use.
#   make test PYTHON=python3.13   the same on another Python (3.11, 3.12 or 3.13), in .venv-3.13
#   make test-install INSTALL_PYTHON=python3.12   only the install-and-build test, on that Python

PYTHON ?= $(shell command -v python3.11 || command -v python3)
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
# The default Python keeps .venv (the README's .venv/bin/oneclick); another gets its own folder.
VENV ?= $(if $(filter 3.11,$(PYTHON_VERSION)),.venv,.venv-$(PYTHON_VERSION))
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SUPPORTED := 3.11 3.12 3.13

.PHONY: run test install lint unit test-install benchmark readme clean

run: $(INSTALLED)
	$(BIN)/oneclick demo
	$(BIN)/oneclick report
	$(BIN)/oneclick docs

test: lint unit

install: $(INSTALLED)

$(INSTALLED): pyproject.toml requirements/constraints.txt
	@test -n "$(filter $(SUPPORTED),$(PYTHON_VERSION))" || \
		{ echo "oneclick needs Python 3.11, 3.12 or 3.13; $(PYTHON) is '$(PYTHON_VERSION)'" \
			"(with pyenv: PYTHON=\$$(pyenv root)/versions/3.13.0/bin/python3.13)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(PYTHON_VERSION)" else "$(VENV) has Python " + v + ", not $(PYTHON_VERSION): give another VENV=")'
	$(BIN)/python -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $@

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests dbt_project/analyses

# The tests run on every core (pytest-xdist); TEST_WORKERS=0 runs them in one process.
TEST_WORKERS ?= auto
unit: $(INSTALLED)
	$(BIN)/pytest -n $(TEST_WORKERS)

# Build the wheel, install it with its dependencies into a fresh venv of INSTALL_PYTHON and run
# `oneclick build` in an empty folder (tests/packaging). .ci/run does it for 3.12 and 3.13.
INSTALL_PYTHON ?= $(PYTHON)
test-install: $(INSTALLED)
	ONECLICK_TEST_PYTHON="$(INSTALL_PYTHON)" $(BIN)/pytest tests/packaging

benchmark: $(INSTALLED)
	$(BIN)/python scripts/benchmark --months 3 --markdown-out benchmarks/latest.md

# The README's numbers come from commands: the segments of the real data (../shared beside the
# repository) and the latest benchmark table.
REAL_DATA ?= ../shared/data/practicum
# The real exports name no month; the README's build calls them this one.
REAL_MONTH ?= 2026-11
readme: $(INSTALLED)
	$(BIN)/oneclick build --raw $(REAL_DATA) --month $(REAL_MONTH) --warehouse warehouse/practicum/oneclick.duckdb
	$(BIN)/python scripts/update_readme.py --warehouse warehouse/practicum/oneclick.duckdb

clean:
	rm -rf $(VENV) dbt_project/target dbt_project/logs warehouse/.oneclick build dist
