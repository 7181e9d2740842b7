# The two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test test-fast lint install install-dev messages bench clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "Python 3.11 or newer is needed (found: '$(PYTHON)' $$($(PYTHON) --version 2>&1))."; \
	  echo "Install python3.11, or run: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "Could not create $(VENV): on Debian/Ubuntu run 'apt-get install python3-venv'."; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install; without DATABASE_URL start the embedded PostgreSQL (data in .run/pgdata);
## migrate, load demo data into an empty database, serve with worker + beat. Ctrl-C stops it all.
run: install
	$(PY) manage.py runall --port $(PORT) --migrate --seed-demo 2000

## make lint: ruff (lint + format), mypy (app code), migrations up to date, bandit, pip-audit.
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	@# Without DATABASE_URL no database runs for a lint: skip the check of applied migrations' order
	@# (a RuntimeWarning) that makemigrations would try on it.
	PYTHONWARNINGS=ignore::RuntimeWarning DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/bandit -q -c pyproject.toml -r .
	$(PY) -m tests.security.pip_audit_gate requirements.txt

## make test: lint, then the whole suite (on DATABASE_URL's PostgreSQL when it answers, else on
## the embedded one; Redis at REDIS_URL when it answers).
test: install-dev lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

## make test-fast: the suite without lint and without the tests marked slow (-m "not slow").
test-fast: install-dev
	$(VENV)/bin/pytest -m "not slow" $(PYTEST_ARGS)

## make messages: refresh and compile translations (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench
	$(PY) manage.py compilemessages --ignore=.venv

## make bench: the benchmarks under bench/ (PostgreSQL at DATABASE_URL's server; wrk is
## installed with apt-get when missing). One: make bench BENCH_ARGS="accounts_api --no-write".
bench: install-dev
	$(PY) bench/run.py $(BENCH_ARGS)

## make clean: stop the embedded PostgreSQL if it runs, remove its data and the rest of .run/.
clean:
	@if [ -x $(PY) ]; then DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py embedded_postgres delete; fi
	rm -rf .run staticfiles
