#!/bin/sh
# conformance-instances.sh -- run Redis 7.0.15's multi-instance suites
# (tests/cluster with runtest-cluster, tests/sentinel with runtest-sentinel)
# against castor.
#
#   make conformance UNITS="cluster sentinel"
#   sh scripts/conformance-instances.sh cluster [-- --single 04-resharding]
#
# These runners start their servers as ../../../src/redis-server from the
# suite's tree, so the suite is copied to a temporary directory whose src/
# holds castor as redis-server and Debian's redis-cli, redis-benchmark and
# redis-sentinel (Sentinel's own instances are Redis's; the monitored
# masters and replicas are castor). The cluster suite runs 20 castor nodes,
# the sentinel suite 5 sentinels and 5 castor servers, all bound to
# 127.0.0.1 on the ports the suite itself fixes: 30000-31023 for servers
# (their cluster bus +10000) and 20000-21023 for sentinels, which must be
# free. SERVER=/usr/bin/redis-server runs the same suite on Redis for a
# baseline. SHARED as in conformance.sh; extra runtest arguments after --
# (`-- --tls`: TLS mode, with certificates made by the suite's own
# utils/gen-test-certs.sh in the copy).
# Exit status: 0 when the suite printed "GOOD! No errors.", 1 otherwise,
# 2 on a usage error.
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)

suite=${1:-}
case "$suite" in
cluster | sentinel) shift ;;
*)
    echo "usage: $0 cluster|sentinel [-- runtest args]"
    exit 2
    ;;
esac
[ "${1:-}" = "--" ] && shift

if [ -z "${SHARED:-}" ]; then
    for d in ../shared ../../shared; do
        [ -d "$d/redis-7.0.15/tests/$suite" ] && SHARED=$d && break
    done
fi
if [ -z "${SHARED:-}" ] || [ ! -d "$SHARED/redis-7.0.15/tests/$suite" ]; then
    echo "conformance: ../shared/redis-7.0.15/tests/$suite is not here (set SHARED=<dir>); nothing to run."
    exit 0
fi
for tool in tclsh redis-cli redis-sentinel; do
    command -v $tool > /dev/null || {
        echo "conformance: $tool is missing (make conformance installs it)"
        exit 2
    }
done

WORK=$(mktemp -d "/tmp/castor-$suite.XXXXXX")
cp -r "$SHARED/redis-7.0.15/." "$WORK/"
chmod -R u+w "$WORK"
mkdir -p "$WORK/src" "$WORK/tests/$suite/tmp"
SERVER=${SERVER:-$ROOT/build/castor-server}
ln -s "$SERVER" "$WORK/src/redis-server"
for b in redis-cli redis-benchmark redis-sentinel redis-check-aof redis-check-rdb; do
    ln -s "$(command -v $b)" "$WORK/src/$b"
done

for arg in "$@"; do
    # the runners read their certificates from tests/tls
    if [ "$arg" = "--tls" ]; then
        (cd "$WORK" && ./utils/gen-test-certs.sh) > "$WORK/gen-test-certs.log" 2>&1 || {
            echo "conformance: utils/gen-test-certs.sh failed, see $WORK/gen-test-certs.log"
            exit 2
        }
    fi
done

LOG=$WORK/$suite.log
echo "== Redis 7.0.15 $suite suite against $SERVER (log: $LOG)"
(cd "$WORK" && ./runtest-"$suite" --config bind 127.0.0.1 "$@") > "$LOG" 2>&1
# one line per unit and per failed test; the runners colour their output
sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -E '^Testing unit|\[err\]|^FAILED|caught an error' || true
ok=$(sed 's/\x1b\[[0-9;]*m//g' "$LOG" | grep -cE '^[0-9:]+> .*OK$')
if grep -q "GOOD! No errors" "$LOG"; then
    echo "$suite: $ok tests passed, 0 failed"
    exit 0
fi
echo "$suite: $ok tests passed; failures above, whole log in $LOG"
exit 1
