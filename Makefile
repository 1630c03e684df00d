# `make run` and `make test` set everything up on a fresh machine with Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/test
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres lint format bench bench-realtime

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH (or make PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# The app on http://127.0.0.1:8000/ under daphne, SQLite, in-memory channel layer.
run: install
	$(PY) manage.py migrate --noinput
	@echo "Serving on http://$(HOST):$(PORT)/ (create an account there, or: $(PY) manage.py createsuperuser)"
	$(VENV)/bin/daphne -b $(HOST) -p $(PORT) --websocket-max-message-size 65536 whiteboard.asgi:application

# The whole suite: on SQLite, then on PostgreSQL. Under CI=true a missing
# PostgreSQL fails the run; elsewhere that half is skipped with a warning.
test: lint test-sqlite test-postgres

test-sqlite: install
	env -u DATABASE_URL $(PY) -m pytest -m "not postgres" $(PYTEST_ARGS)

test-postgres: install
	@if ! $(PY) -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
		if [ "$$CI" = "true" ]; then echo "PostgreSQL is not reachable at $(TEST_DATABASE_URL)"; exit 1; fi; \
		echo "WARNING: PostgreSQL not reachable at $(TEST_DATABASE_URL); skipped the PostgreSQL run"; exit 0; \
	fi; \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest $(PYTEST_ARGS)

# The board's JavaScript is type-checked too (// @ts-check in each module):
# tsc as tools/jscheck's lock file pins it. Without npm, CI fails and a
# developer's machine skips that check with a warning.
JSCHECK := tools/jscheck

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	@if [ ! -d $(JSCHECK)/node_modules ]; then \
		if ! command -v npm >/dev/null; then \
			if [ "$$CI" = "true" ]; then echo "npm is missing: cannot type-check the JavaScript"; exit 1; fi; \
			echo "WARNING: npm is missing; skipped the JavaScript type check"; exit 0; \
		fi; \
		npm ci --prefix $(JSCHECK) --ignore-scripts --no-audit --no-fund || exit 1; \
	fi; \
	echo "$(JSCHECK)/node_modules/.bin/tsc -p $(JSCHECK)"; \
	$(JSCHECK)/node_modules/.bin/tsc -p $(JSCHECK)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/board_log.py
	$(PY) bench/model.py
	$(PY) bench/export.py
	$(PY) bench/batch.py

# Websocket fan-out against a plain-Channels baseline (about 5 minutes).
bench-realtime: install
	$(PY) bench/realtime.py
