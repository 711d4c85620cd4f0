# Rapport: `make run` to try it, `make test` to check it. Both set up .venv on first use, from the lock file.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
#: Every package, pinned with its hashes: what `make test`, `make run` and CI install, so that lint,
#: types and tests never change under the code. `make lock` refreshes it from pyproject.toml.
LOCK := requirements.lock
LOCK_VENV := .venv-lock

.PHONY: run test lint typecheck console migrate lock clean

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Rapport needs Python 3.11 or newer")'
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/rapport run

console: $(STAMP)
	$(BIN)/rapport console

migrate: $(STAMP)
	$(BIN)/rapport migrate

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/pytest

# The newest releases pyproject.toml allows, for every platform's files, with hashes (pip-tools, in a
# virtual environment of its own so that it never mixes with the app's).
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet "pip-tools>=7.4,<8"
	$(LOCK_VENV)/bin/pip-compile --quiet --upgrade --extra dev --generate-hashes --allow-unsafe --strip-extras \
		--all-build-deps --no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .mypy_cache .ruff_cache
