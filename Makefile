# Two commands for a newcomer: `make demo` and `make test`. Everything else is here for us.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
STAMP   = $(VENV)/.installed

.PHONY: install demo test soak lint typecheck unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash examples/demo.sh

lint: install
	$(VENV)/bin/ruff check src tests bench examples
	$(VENV)/bin/lint-imports --no-cache   # the layer contracts in pyproject.toml [tool.importlinter]

typecheck: install
	$(VENV)/bin/mypy

# The suite mostly waits on processes and sockets, so it runs on several pytest-xdist workers;
# worksteal spreads the slow end-to-end tests. Every test has its own ports and state folder.
# TEST_WORKERS=0 runs it serially.
TEST_WORKERS ?= 4
test: lint typecheck
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=10 -m "not soak"

# What CI leaves out to stay under 30 minutes: repeats of crash points `make test` already covers by kind.
soak: install
	$(VENV)/bin/pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal --durations=10 -m soak

bench: install
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache
