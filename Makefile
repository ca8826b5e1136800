# Quick start: `make run` (the app with sample data on SQLite), `make test` (the test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1:8000

.PHONY: install run setup test test-postgres

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Migrate, load places/industries/sources and the sample articles, make a local admin login.
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference
	$(PY) manage.py import_claims fixtures/sample_claims.csv
	$(PY) manage.py local_admin

run: setup
	$(PY) manage.py runserver $(HOST)

test: install
	$(PY) -m pytest

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest

# Schemathesis against the live API schema (dev server on loopback, SQLite, sample data),
# anonymously and as a coder with a token; fails on a server error or a schema violation.
.PHONY: schemathesis
schemathesis: install
	PY=$(PY) scripts/schemathesis.sh
