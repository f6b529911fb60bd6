# Sejahtera — two commands on a fresh machine with only Python: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEMO_HOUSEHOLDS ?= 50000
DEMO_REGION ?= 3204
PORT ?= 8000

.PHONY: install demo serve worker test test-pg test-sqlite lint types check bench messages clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/activate requirements.txt requirements-dev.txt pyproject.toml
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	touch $@

install: $(VENV)/.installed

# Embedded database (SQLite under var/), regions, a synthetic regency, one user per role, the server.
demo: install
	$(BIN)/sejahtera migrate --no-input
	$(BIN)/sejahtera regions load
	$(BIN)/sejahtera demo --households $(DEMO_HOUSEHOLDS) --region $(DEMO_REGION)
	$(BIN)/sejahtera demo_cycle
	$(BIN)/sejahtera demo_benefits
	$(BIN)/sejahtera quality run
	$(BIN)/sejahtera dedup run
	$(BIN)/sejahtera collectstatic --no-input -v0
	@echo "Serving on http://127.0.0.1:$(PORT)/ (users: var/demo-users.txt); Ctrl-C stops server and worker"
	$(BIN)/sejahtera db_worker --interval 1 --no-reload & WORKER=$$!; \
	  trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/sejahtera runserver --insecure --noreload 127.0.0.1:$(PORT)

serve: install
	$(BIN)/sejahtera runserver 127.0.0.1:$(PORT)

worker: install
	$(BIN)/sejahtera db_worker --interval 1

# The whole suite on the database DATABASE_URL names (SQLite when unset).
test: install
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(BIN)/mypy sejahtera

check: install
	$(BIN)/sejahtera makemigrations --check --dry-run

# Refresh the English catalogue after changing Indonesian source strings (needs gettext's msgfmt).
messages: install
	cd sejahtera && ../$(BIN)/sejahtera makemessages -l en --no-obsolete
	cd sejahtera && ../$(BIN)/sejahtera compilemessages -l en

bench: install
	$(PY) bench/run.py

# The public check under load (gunicorn + PostgreSQL + Redis, wrk on loopback): docs/portal.md.
bench-portal: install
	$(PY) bench/portal_load.py

clean:
	rm -rf $(VENV) var staticfiles
