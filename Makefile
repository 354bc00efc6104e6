# Common tasks. `make run` installs and serves the app; `make test` runs every test.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: install run test lint translations-extract translations-update translations-compile bench neo4j-start neo4j-stop

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory translations-compile

run: install
	$(BIN)/kb serve --port $(PORT)

test: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

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
