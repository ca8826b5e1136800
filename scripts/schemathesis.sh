#!/usr/bin/env bash
# Schemathesis against the live API schema: a dev server on loopback, SQLite with the
# sample data, every operation tried anonymously and then as a coder with a token.
# Fails on any server error, or any response that breaks the schema (body, status code,
# content type). Bounded: SCHEMATHESIS_EXAMPLES cases per operation per mode (default 25)
# and a hard time limit per run (SCHEMATHESIS_TIMEOUT seconds, default 300). With
# SCHEMATHESIS_REPORTS=DIR, each run writes a JUnit report there (CI counts them).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
ST=${ST:-$(dirname "$PY")/schemathesis}
PORT=${SCHEMATHESIS_PORT:-8765}
EXAMPLES=${SCHEMATHESIS_EXAMPLES:-25}
LIMIT=${SCHEMATHESIS_TIMEOUT:-300}
WORK=$(mktemp -d)
export DATABASE_URL="sqlite:///$WORK/schemathesis.sqlite3"
export DJANGO_DEBUG=1 API_ANON_THROTTLE_RATE=1000000/minute
SERVER=""
cleanup() {
    if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== sample database in $WORK"
$PY manage.py migrate --noinput -v0
$PY manage.py load_reference -v0
$PY manage.py import_claims fixtures/sample_claims.csv >/dev/null
$PY manage.py shell -v0 -c '
from django.contrib.auth.models import Permission, User
coder, _ = User.objects.get_or_create(username="schemathesis-coder")
coder.user_permissions.set(Permission.objects.filter(
    content_type__app_label="registry",
    codename__in=["add_article", "change_article", "add_claim", "change_claim"]))
'
TOKEN=$($PY manage.py api_token schemathesis-coder)

echo "== dev server on 127.0.0.1:$PORT"
$PY manage.py runserver "127.0.0.1:$PORT" --noreload >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 60); do
    $PY -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/api/schema/')" 2>/dev/null && break
    sleep 0.5
done

CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,ignored_auth
run() {
    echo "== schemathesis: $1"
    # A JUnit report per mode (first word of its name), for CI's closing count.
    local report=()
    [ -n "${SCHEMATHESIS_REPORTS:-}" ] && report=(--report junit --report-junit-path "$SCHEMATHESIS_REPORTS/schemathesis-${1%% *}.xml")
    shift
    # One worker: SQLite serialises writes, and the point is the API's answers, not load.
    timeout "$LIMIT" "$ST" run "http://127.0.0.1:$PORT/api/schema/" \
        --checks "$CHECKS" --max-examples "$EXAMPLES" --workers 1 --seed 20240601 \
        --phases examples,coverage,fuzzing --request-timeout 20 --no-shrink "${report[@]}" "$@"
}
status=0
run "anonymous" || status=$?
run "coder with a token" -H "Authorization: Token $TOKEN" || status=$?
if grep -q "Traceback" "$WORK/server.log"; then
    echo "!! the server logged a traceback:"; grep -A20 "Traceback" "$WORK/server.log" | head -60; status=1
fi
exit $status
