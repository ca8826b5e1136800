# Quick start: `make run` (the app with sample data on SQLite), `make test-fast` (the inner
# loop), `make test` (the whole suite, as CI runs it), `make docs` (the docs site).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Development and CI install requirements/dev.txt (the application, its server, the test
# tools, the docs site); production (`make serve`) requirements/prod.txt only.
STAMP := $(VENV)/.installed-dev
PROD_STAMP := $(VENV)/.installed-prod
HOST ?= 127.0.0.1:8000

.PHONY: install install-prod run setup test test-fast test-postgres docs docs-serve serve backup restore loadtest

$(STAMP): requirements.txt requirements/base.txt requirements/prod.txt requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $(STAMP) $(PROD_STAMP)

$(PROD_STAMP): requirements/base.txt requirements/prod.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/prod.txt
	touch $(PROD_STAMP)

# The Korean interface's messages (locale/*.po) are compiled to .mo on every install.
install: $(STAMP)
	$(PY) scripts/compile_messages.py

install-prod: $(PROD_STAMP)
	$(PY) scripts/compile_messages.py

# Migrate, load places/industries/sources, the sample articles (one linked KCNA/Rodong Sinmun
# reprint), the sample enterprises' attributes in time (sample_history.csv: matched, not added,
# on a rerun), which years of each source were read (coverage) and one closed agreement round
# double-coded by `sample-coder` (alpha in the admin and `manage.py agreement_report`), make a
# local admin login. Run again at any time: the samples only add what is missing
# (--keep-existing: a coder's edits, merges and copies are left as they are).
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py load_reference
	$(PY) manage.py import_claims --keep-existing fixtures/sample_claims.csv
	$(PY) manage.py import_claims --keep-existing fixtures/sample_reprint.csv
	$(PY) manage.py import_claims --keep-existing fixtures/starter_claims.csv
	$(PY) manage.py import_history fixtures/sample_history.csv
	$(PY) manage.py import_coverage fixtures/sample_coverage.csv
	$(PY) manage.py import_agreement fixtures/sample_agreement.csv --second-coder sample-coder --create-coder --close
	$(PY) manage.py local_admin

run: setup
	$(PY) manage.py runserver $(HOST)

# The whole suite (CI runs it on SQLite and PostgreSQL): a fresh test database, every test.
test: install
	$(PY) -m pytest

# The inner loop: the test database kept between runs (--reuse-db; pass ARGS=--create-db
# after changing reference data by hand), tests marked `slow` (a server, a second database,
# a whole permission walk) and browser tests skipped, the property tests at 30 examples
# (200 in `make test`), on two worker processes (pytest-xdist; FAST_WORKERS=0 for one).
# ARGS= narrows it (ARGS=tests/test_x.py).
# On SQLite the test database is a file under .pytest_cache/ (in memory it could not be kept).
FAST_TEST_DATABASE := $(if $(DATABASE_URL),$(DATABASE_TEST_NAME),.pytest_cache/test-fast.sqlite3)
test-fast: install
	DATABASE_TEST_NAME=$(FAST_TEST_DATABASE) HYPOTHESIS_EXAMPLES=$${HYPOTHESIS_EXAMPLES:-30} $(PY) -m pytest --reuse-db -n $${FAST_WORKERS:-2} -m "not slow and not browser" $(ARGS)

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest

# The docs site (mkdocs.yml, docs/): built into site/ with --strict (a broken link or a
# missing page fails), served on loopback from the virtualenv, nothing fetched online.
DOCS_HOST ?= 127.0.0.1:8001
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

docs-serve: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs serve --dev-addr $(DOCS_HOST)

# Production: static files collected (hashed, compressed) for whitenoise, then gunicorn with
# config/gunicorn.py (GUNICORN_WORKERS, GUNICORN_BIND). Needs DJANGO_DEBUG=0,
# DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS and DATABASE_URL; see docs/operations.md. Installs
# requirements/prod.txt only: no test tool on a server.
serve: install-prod
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py migrate --noinput
	$(VENV)/bin/gunicorn --config config/gunicorn.py config.wsgi

# `make backup` (FILE=path optional) and `make restore FILE=path`: pg_dump -Fc/pg_restore on
# PostgreSQL, SQLite's online backup on SQLite. Restore asks before replacing anything.
backup: install-prod
	$(PY) manage.py backup $(if $(FILE),--output $(FILE))

restore: install-prod
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/registry-....dump"; exit 2; }
	$(PY) manage.py restore $(FILE)

# Locust (scripts/locustfile.py): 50 users for 60 s (CLIENTS, LOAD_SECONDS), anonymous and signed-in
# readers and a coder writing, against gunicorn on loopback, on DATABASE_URL; generator pinned apart.
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

# Translations (docs/coding.md, Languages): refresh locale/ko/LC_MESSAGES/django.po from the code's
# marked strings (needs GNU gettext's xgettext), translate the new empty entries, then
# `make install` compiles them. tests/test_korean_interface.py lists any left untranslated.
.PHONY: messages
messages: install
	$(PY) manage.py makemessages -l ko --no-location --no-obsolete $(foreach d,$(MESSAGES_IGNORE),--ignore '$(d)/*')
MESSAGES_IGNORE := .venv tests tools scripts docs site fixtures releases staticfiles artifacts ci-reports

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

# A real primary and two streaming standbys on spare loopback ports (and a Redis when
# redis-server is installed), made by DEPLOY.md's replica steps, then tests/replication/
# against them: failover, time-outs, lag, no time going backwards, shared throttles. Stops
# and removes everything it started, on failure too. Needs PostgreSQL's server binaries;
# run as root or postgres. About a minute.
.PHONY: test-replicas
test-replicas: install
	PY=$(PY) scripts/test_replicas.sh
