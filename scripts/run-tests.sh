#!/bin/sh
# Run every test layer and print one closing line "N passed, M failed".
#   unit tests (release and ASan builds), layering check,
#   integration tests against the ASan+UBSan server,
#   interop/differential tests against the release server and Debian's redis,
#   short libFuzzer runs of the RESP parser, listpack validation and the RDB loader.
# Expects `make all asan unit` to have run (make test does it).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=/usr/bin/python3
PASSED=0
FAILED=0
OUT=$(mktemp -d /tmp/castor-test.XXXXXX)
trap 'rm -rf "$OUT"' EXIT

pass() { PASSED=$((PASSED + $1)); }
fail() { FAILED=$((FAILED + $1)); }

echo "== layering"
if sh scripts/check-layers.sh; then pass 1; else fail 1; fi

echo "== unit tests"
for bin in build/tests/test_* build-asan/tests/test_*; do
    [ -x "$bin" ] || continue
    log="$OUT/unit.log"
    timeout 120 "$bin" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -n "$line" ]; then
        p=$(echo "$line" | sed -E 's/^unit: ([0-9]+) passed.*/\1/')
        f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
        pass "$p"
        fail "$f"
        [ "$rc" != 0 ] && [ "$f" = 0 ] && fail 1
    else
        fail 1
    fi
    if [ "$rc" != 0 ] || [ -z "$line" ]; then
        echo "FAILED: $bin (exit $rc)"
        cat "$log"
    else
        echo "$bin: $line"
    fi
done

# Count a pytest run from its junit XML.
pytest_layer() {
    name=$1
    shift
    xml="$OUT/$name.xml"
    "$PY" -m pytest -q -p no:cacheprovider --junitxml="$xml" "$@"
    if [ -f "$xml" ]; then
        counts=$("$PY" - "$xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = 0
for s in suites:
    t += int(s.get("tests", 0)) - int(s.get("skipped", 0))
    f += int(s.get("failures", 0)) + int(s.get("errors", 0))
print(t - f, f)
PYEOF
)
        pass "${counts% *}"
        fail "${counts#* }"
    else
        fail 1
    fi
}

echo "== integration tests (ASan+UBSan server)"
SAN_LOGS="$OUT/san"
mkdir -p "$SAN_LOGS"
ASAN_OPTIONS="log_path=$SAN_LOGS/asan:abort_on_error=1:detect_leaks=1" \
UBSAN_OPTIONS="log_path=$SAN_LOGS/ubsan:print_stacktrace=1:halt_on_error=1" \
LSAN_OPTIONS="use_unaligned=1" \
CASTOR_SERVER="$ROOT/build-asan/castor-server" \
    pytest_layer integration tests/integration
if ls "$SAN_LOGS"/* >/dev/null 2>&1; then
    echo "FAILED: sanitizer reports:"
    cat "$SAN_LOGS"/*
    fail 1
else
    pass 1
fi

echo "== interop and differential tests (release server vs redis-server)"
CASTOR_SERVER="$ROOT/build/castor-server" pytest_layer interop tests/interop

echo "== fuzz smoke (RESP parser)"
if [ -f tests/fuzz/fuzz_resp.c ]; then
    if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc \
        src/mem.c src/str.c src/util.c src/resp.c tests/fuzz/fuzz_resp.c -o "$OUT/fuzz_resp" -lm; then
        mkdir -p "$OUT/corpus"
        if (cd "$OUT" && ./fuzz_resp -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=0 \
                corpus "$ROOT/tests/fuzz/seeds/resp" >"$OUT/fuzz.log" 2>&1); then
            echo "fuzz_resp: no findings"
            pass 1
        else
            echo "FAILED: fuzz_resp found a problem"
            tail -50 "$OUT/fuzz.log"
            fail 1
        fi
    else
        echo "FAILED: fuzz target did not build"
        fail 1
    fi
fi

echo "== fuzz smoke (listpack validation)"
if [ -f tests/fuzz/fuzz_listpack.c ]; then
    if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc \
        src/mem.c src/util.c src/listpack.c tests/fuzz/fuzz_listpack.c -o "$OUT/fuzz_listpack" -lm; then
        mkdir -p "$OUT/corpus_lp"
        if (cd "$OUT" && ./fuzz_listpack -max_total_time="${FUZZ_LP_SECONDS:-10}" -print_final_stats=0 \
                corpus_lp "$ROOT/tests/fuzz/seeds/listpack" >"$OUT/fuzz_lp.log" 2>&1); then
            echo "fuzz_listpack: no findings"
            pass 1
        else
            echo "FAILED: fuzz_listpack found a problem"
            tail -50 "$OUT/fuzz_lp.log"
            fail 1
        fi
    else
        echo "FAILED: fuzz_listpack target did not build"
        fail 1
    fi
fi

echo "== fuzz smoke (AOF manifest and command reader)"
if [ -f tests/fuzz/fuzz_aof.c ]; then
    if clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc \
        src/mem.c src/str.c src/util.c src/resp.c src/aoffile.c tests/fuzz/fuzz_aof.c -o "$OUT/fuzz_aof" -lm; then
        mkdir -p "$OUT/corpus_aof"
        if (cd "$OUT" && ./fuzz_aof -max_total_time="${FUZZ_AOF_SECONDS:-10}" -print_final_stats=0 \
                corpus_aof "$ROOT/tests/fuzz/seeds/aof" >"$OUT/fuzz_aof.log" 2>&1); then
            echo "fuzz_aof: no findings"
            pass 1
        else
            echo "FAILED: fuzz_aof found a problem"
            tail -50 "$OUT/fuzz_aof.log"
            fail 1
        fi
    else
        echo "FAILED: fuzz_aof target did not build"
        fail 1
    fi
fi

echo "== fuzz smoke (RDB loader and RESTORE)"
if [ -f tests/fuzz/fuzz_rdb.c ]; then
    # The loader needs the whole server: every source (the tools' mains
    # src/check_*.c aside) with coverage, server.c's main renamed.
    FZ="$OUT/fuzz_rdb_obj"
    FZFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc"
    mkdir -p "$FZ"
    if for src in src/*.c; do
            case "$src" in src/check_*.c) continue ;; esac
            obj="$FZ/$(basename "$src" .c).o"
            extra=""
            [ "$src" = src/server.c ] && extra="-Dmain=castor_server_main"
            echo "clang $FZFLAGS $extra -c $src -o $obj"
        done | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c '{}' &&
       clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc \
           tests/fuzz/fuzz_rdb.c "$FZ"/*.o -o "$OUT/fuzz_rdb" -lm -lcrypto -llzf -lpthread; then
        mkdir -p "$OUT/corpus_rdb"
        if (cd "$OUT" && LSAN_OPTIONS=use_unaligned=1 ./fuzz_rdb -max_total_time="${FUZZ_RDB_SECONDS:-10}" \
                -print_final_stats=0 corpus_rdb "$ROOT/tests/fuzz/seeds/rdb" >"$OUT/fuzz_rdb.log" 2>&1); then
            echo "fuzz_rdb: no findings"
            pass 1
        else
            echo "FAILED: fuzz_rdb found a problem"
            tail -50 "$OUT/fuzz_rdb.log"
            fail 1
        fi
    else
        echo "FAILED: fuzz_rdb target did not build"
        fail 1
    fi
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
