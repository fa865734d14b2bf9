# The two commands: `make run` (set up and serve the demo) and `make test` (set up and test).
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PO     := src/jijinan/locale/en/LC_MESSAGES/django.po
MO     := $(PO:.po=.mo)
PYTEST_ARGS ?=
# Where `make run` serves (`make run PORT=8001` when 8000 is taken).
HOST ?= 127.0.0.1
PORT ?= 8000
# The suite runs on every core (pytest-xdist; each worker has its own test database).
TEST_WORKERS ?= auto

.PHONY: run setup test test-cov test-e2e lint bench lock messages clean demo migrate

# A development machine: demo accounts keep their printed password.
run: export JIJINAN_ENV = dev
run: export JIJINAN_SITE_URL ?= http://$(HOST):$(PORT)
run: setup
	./.ci/system-deps fonts
	$(BIN)/jijinan migrate --no-input
	$(BIN)/jijinan demo
	$(BIN)/jijinan serve --with-worker $(HOST):$(PORT)

setup: $(STAMP) $(MO)

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

$(MO): $(PO)
	@command -v msgfmt >/dev/null || ./.ci/system-deps gettext
	msgfmt --check -o $(MO) $(PO)

migrate: setup
	$(BIN)/jijinan migrate --no-input

demo: migrate
	$(BIN)/jijinan demo

test: setup
	./.ci/system-deps fonts
	$(BIN)/pytest -q -n $(TEST_WORKERS) tests $(PYTEST_ARGS)

# The suite with line and branch coverage of src/ (CI's SQLite pass); fails below the floor.
test-cov: PYTEST_ARGS += --cov --cov-report=
test-cov: test
	$(BIN)/python .ci/coverage-summary

test-e2e: setup
	./.ci/system-deps chromium
	$(BIN)/pytest -q e2e $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check src tests e2e bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/jijinan manage makemigrations --check --dry-run
	$(BIN)/python -m jijinan.core.translations_check

bench: setup
	$(BIN)/python bench/run.py

# Re-pin every dependency from pyproject.toml into the lock file (needs the registry).
lock: setup
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --no-emit-index-url \
		--no-emit-find-links --output-file requirements/lock.txt pyproject.toml

clean:
	rm -rf $(VENV) var
