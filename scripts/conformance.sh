#!/bin/sh
# conformance.sh -- run units of Redis 7.0.15's own test suite against castor
# and print, per unit, what castor passes beside what redis-server passes.
#
#   make conformance UNITS="unit/type/list integration/replication"
#   UNITS=unit/introspection BASE_PORT=21111 sh scripts/conformance.sh
#   make conformance UNITS="cluster sentinel"
#
# The words cluster and sentinel stand for the suite's multi-instance runners
# (runtest-cluster, runtest-sentinel): see scripts/conformance-instances.sh.
#
# The suite and its runner live outside this repository, in ../shared
# (override with SHARED=...): shared/conformance/redis-suite.sh runs the
# units, shared/conformance/baseline-redis-7.0.15-binary.tsv holds what
# redis-server 7.0.15 passes. Without ../shared this says so and exits 0.
# Not part of `make test`. Other knobs of redis-suite.sh (BASE_PORT, JOBS,
# UNIT_TIMEOUT, RUNTEST_ARGS, KEEP) pass through; the run's logs stay in
# RUN_DIR (printed at the end).
# Exit status: redis-suite.sh's (0 when every test passed), 2 without UNITS.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [ -z "${SHARED:-}" ]; then
    for d in ../shared ../../shared; do
        if [ -x "$d/conformance/redis-suite.sh" ]; then
            SHARED=$d
            break
        fi
    done
fi
if [ -z "${SHARED:-}" ] || [ ! -x "$SHARED/conformance/redis-suite.sh" ]; then
    echo "conformance: ../shared/conformance/redis-suite.sh is not here (set SHARED=<dir>); nothing to run."
    exit 0
fi
SHARED=$(cd "$SHARED" && pwd)
if [ -z "${UNITS:-}" ]; then
    echo "usage: make conformance UNITS=\"unit/introspection unit/type/list ...\""
    echo "units: $SHARED/conformance/redis-suite.sh list binary"
    exit 2
fi

multi_rc=0
units=
for u in $UNITS; do
    case "$u" in
    cluster | sentinel) SHARED=$SHARED sh scripts/conformance-instances.sh "$u" || multi_rc=1 ;;
    *) units="$units $u" ;;
    esac
done
UNITS=${units# }
[ -z "$UNITS" ] && exit $multi_rc

BASELINE=$SHARED/conformance/baseline-redis-7.0.15-binary.tsv
RUN_DIR=${RUN_DIR:-$(mktemp -d /tmp/castor-conformance.XXXXXX)}
export RUN_DIR
# shellcheck disable=SC2086  # UNITS is a list of words
"$SHARED/conformance/redis-suite.sh" binary "$ROOT/build/castor-server" $UNITS
rc=$?

echo
echo "castor against redis-server 7.0.15 (baseline: $BASELINE)"
awk -F '\t' -v results="$RUN_DIR/results.tsv" '
    FNR == NR { base[$1] = $2; next }
    FNR == 1 { printf "%-44s %7s %7s %9s %7s\n", "UNIT", "PASSED", "FAILED", "BASELINE", "OF BASE" }
    {
        unit = $1; p = $2; f = $3
        b = (unit in base) ? base[unit] : "?"
        pct = (b != "?" && b > 0) ? sprintf("%.0f%%", 100 * p / b) : "-"
        printf "%-44s %7d %7d %9s %7s\n", unit, p, f, b, pct
        tp += p; tf += f; if (b != "?") tb += b
    }
    END {
        if (FNR == 0) exit
        printf "%-44s %7d %7d %9d %7s\n", "TOTAL", tp, tf, tb, tb > 0 ? sprintf("%.1f%%", 100 * tp / tb) : "-"
    }' "$BASELINE" "$RUN_DIR/results.tsv"
echo "logs: $RUN_DIR"
[ $rc -eq 0 ] && rc=$multi_rc
exit $rc
