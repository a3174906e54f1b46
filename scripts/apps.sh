#!/bin/sh
# Real client libraries against castor and Debian's redis-server: installs
# tests/apps' pinned packages (npm ci, from package-lock.json) and runs
# tests/apps/run.js, which runs every scenario on both servers and compares
# what the clients observed. Ends with "apps: N passed, M failed".
#   scripts/apps.sh [filter...]       only scenarios whose name has a filter
#   scripts/apps.sh --if-online ...   print "apps: skipped (<reason>)" and
#                                     exit 0 when node, npm or the registry
#                                     is missing, instead of failing
# Env: CASTOR_SERVER (default build/castor-server), REDIS_SERVER,
#      APPS_VERBOSE=1, APPS_SERIAL=1, APPS_KEEP=1 (see tests/apps/run.js).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
lenient=0
if [ "${1:-}" = "--if-online" ]; then
    lenient=1
    shift
fi

unavailable() {
    if [ "$lenient" = 1 ]; then
        echo "apps: skipped ($1)"
        exit 0
    fi
    echo "apps: $1" >&2
    echo "apps: 0 passed, 1 failed"
    exit 1
}

command -v node >/dev/null 2>&1 || unavailable "node is not installed: sh scripts/install-deps.sh apps"
command -v npm >/dev/null 2>&1 || unavailable "npm is not installed: sh scripts/install-deps.sh apps"
[ -x "${CASTOR_SERVER:-$ROOT/build/castor-server}" ] || unavailable "no castor binary: make all"
[ -x "${REDIS_SERVER:-/usr/bin/redis-server}" ] || unavailable "no redis-server: sh scripts/install-deps.sh test"

cd tests/apps
# npm ci installs exactly the lockfile; --ignore-scripts: nothing in the tree
# needs an install script (msgpackr's native part is optional).
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.castor-lock; then
    log=$(mktemp /tmp/castor-npm.XXXXXX)
    if ! timeout 300 npm ci --ignore-scripts --no-audit --no-fund >"$log" 2>&1; then
        tail -5 "$log" >&2
        rm -f "$log"
        unavailable "npm ci failed (no network or registry?)"
    fi
    rm -f "$log"
    cp package-lock.json node_modules/.castor-lock
fi
exec node run.js "$@"
