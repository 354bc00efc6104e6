# Common tasks. `make run` installs and serves the app; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Every Python dependency (the app's, the test extra's and the build's), pinned with its hashes by `make lock`.
LOCK := requirements.lock
# pip-tools lives in a virtual environment of its own: it resolves the lock and is no dependency of the app.
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2
# Two xdist workers (the machine has two cores); tests/conftest.py groups the tests that must share a worker.
TEST_WORKERS ?= 2

.PHONY: install run test lint lock translations-extract translations-update translations-compile bench neo4j-start neo4j-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock first, with every hash checked; then the project itself without resolving anything
# (its build needs setuptools and babel, which the lock holds, hence no build isolation).
install: $(BIN)/python
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(MAKE) --no-print-directory translations-compile

# Re-resolve every dependency to the newest versions pyproject.toml allows; review the diff, run the tests, commit.
# Upgrade one package only with `make lock LOCK_UPGRADE="--upgrade-package wtforms"`.
LOCK_UPGRADE ?= --upgrade
lock:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet '$(PIP_TOOLS)'
	$(LOCK_VENV)/bin/pip-compile --quiet $(LOCK_UPGRADE) --generate-hashes --allow-unsafe --strip-extras \
	  --all-extras --build-deps-for=editable --build-deps-for=wheel --no-emit-find-links --no-emit-index-url \
	  --output-file=$(LOCK) pyproject.toml

run: install
	$(BIN)/kb serve --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint:
	$(BIN)/ruff check .
	$(BIN)/lint-imports

translations-extract:
	$(BIN)/pybabel extract --omit-header --no-location --sort-output -F babel.cfg -k _l -o translations/messages.pot .

LANGS := nl fr es en

translations-update: translations-extract
	for l in $(LANGS); do \
	  if [ -f translations/$$l/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations -l $$l; \
	  else \
	    $(BIN)/pybabel init -i translations/messages.pot -d translations -l $$l; \
	  fi; \
	done

# A checkout compiles its catalogs here (make install does); a wheel compiles them at build time.
translations-compile:
	$(BIN)/pybabel -q compile -d translations

bench:
	$(BIN)/python bench/bench_store.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_matching.py

neo4j-start:
	scripts/neo4j.sh start

neo4j-stop:
	scripts/neo4j.sh stop
