# Quick start: `make run` (the app with sample data on SQLite), `make test` (the test suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements
HOST ?= 127.0.0.1:8000

.PHONY: install run setup test test-postgres serve backup restore loadtest

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

# The Korean interface's messages (locale/*.po) are compiled to .mo on every install.
install: $(STAMP)
	$(PY) scripts/compile_messages.py

# Migrate, load places/industries/sources, the sample articles (one linked KCNA/Rodong Sinmun
# reprint), which years of each source were read (coverage) and one closed agreement round
# double-coded by `sample-coder` (alpha in the admin and `manage.py agreement_report`), make a
# local admin login. Run again at any time: the samples only add what is missing
# (--keep-existing: a coder's edits, merges and copies are left as they are).
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py load_reference
	$(PY) manage.py import_claims --keep-existing fixtures/sample_claims.csv
	$(PY) manage.py import_claims --keep-existing fixtures/sample_reprint.csv
	$(PY) manage.py import_coverage fixtures/sample_coverage.csv
	$(PY) manage.py import_agreement fixtures/sample_agreement.csv --second-coder sample-coder --create-coder --close
	$(PY) manage.py local_admin

run: setup
	$(PY) manage.py runserver $(HOST)

test: install
	$(PY) -m pytest

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest

# Production: static files collected (hashed, compressed) for whitenoise, then gunicorn with
# config/gunicorn.py (GUNICORN_WORKERS, GUNICORN_BIND). Needs DJANGO_DEBUG=0,
# DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; see README.
serve: install
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn --config config/gunicorn.py config.wsgi

# `make backup` (FILE=path optional) and `make restore FILE=path`: pg_dump -Fc/pg_restore on
# PostgreSQL, SQLite's online backup on SQLite. Restore asks before replacing anything.
backup: install
	$(PY) manage.py backup $(if $(FILE),--output $(FILE))

restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/registry-....dump"; exit 2; }
	$(PY) manage.py restore $(FILE)

# 50 clients for 60 s (CLIENTS, LOAD_SECONDS) against gunicorn on loopback, on DATABASE_URL.
loadtest: install
	$(PY) scripts/loadtest.py --gunicorn --clients $${CLIENTS:-50} --seconds $${LOAD_SECONDS:-60}
# Schemathesis against the live API schema (dev server on loopback, SQLite, sample data),
# anonymously and as a coder with a token; fails on a server error or a schema violation.
.PHONY: schemathesis
schemathesis: install
	PY=$(PY) scripts/schemathesis.sh

# The scale benchmark (BENCHMARKS.md) on PostgreSQL, DATABASE_URL or the `bench` database on
# loopback: creates the database if missing, migrates, generates the corpus (20k enterprises,
# 500k articles, ~1M claims) when it holds none, and prints every figure next to its target.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bench
.PHONY: benchmark
benchmark: install
	export DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)}; \
	$(PY) scripts/ensure_database.py && \
	$(PY) manage.py migrate --noinput --verbosity 0 && \
	$(PY) manage.py benchmark

# Translations (README, Languages): refresh locale/ko/LC_MESSAGES/django.po from the code's
# marked strings (needs GNU gettext's xgettext), translate the new empty entries, then
# `make install` compiles them. tests/test_korean_interface.py lists any left untranslated.
.PHONY: messages
messages: install
	$(PY) manage.py makemessages -l ko --no-location --no-obsolete $(foreach d,$(MESSAGES_IGNORE),--ignore '$(d)/*')
MESSAGES_IGNORE := .venv tests tools scripts docs fixtures releases staticfiles artifacts ci-reports

# The registry against a peer (tools/peers.py): a SQLite copy of the benchmark corpus's public
# data served by Datasette (tools/requirements-bench.txt, in its own .venv-bench), the registry
# by gunicorn on PostgreSQL; the six questions of issue 18 alternated over HTTP, answers
# checked equal, medians and ratios printed. Ports PEERS_REGISTRY_PORT / PEERS_DATASETTE_PORT.
.PHONY: benchmark-peers
benchmark-peers: install
	test -x .venv-bench/bin/datasette || { $(PYTHON) -m venv .venv-bench && .venv-bench/bin/pip install --quiet -r tools/requirements-bench.txt; }
	export DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)}; \
	$(PY) scripts/ensure_database.py && \
	$(PY) manage.py migrate --noinput --verbosity 0 && \
	$(PY) -m tools.peers
