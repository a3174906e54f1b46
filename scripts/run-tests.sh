#!/bin/sh
# Run every test layer and print one closing line "N passed, M failed".
#   unit tests (release and ASan builds), layering and format checks,
#   integration tests against the ASan+UBSan server,
#   interop/differential tests against the release server and Debian's redis,
#   short libFuzzer runs of the RESP parser, listpack validation, HyperLogLog
#   values, the AOF reader, the Lua cjson/cmsgpack decoders, the RDB loader and
#   the config parser.
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

echo "== format (make fmt-check)"
if [ "$(make -s fmt-check | tail -1)" = "format ok" ]; then
    echo "format ok"
    pass 1
else
    make -s fmt-check
    fail 1
fi

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

# Fuzz targets: build with libFuzzer + ASan/UBSan, run briefly from seeds.
LUA_INC=$(pkg-config --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
LUA_LIB="-l:liblua5.1.a -ldl"
FUZZ_CC="clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc $LUA_INC"

# run_fuzzer NAME SECONDS SEEDDIR: run $OUT/NAME, count one pass or fail.
run_fuzzer() {
    mkdir -p "$OUT/corpus_$1"
    if (cd "$OUT" && LSAN_OPTIONS=use_unaligned=1 "./$1" -max_total_time="$2" -print_final_stats=0 \
            "corpus_$1" "$3" >"$OUT/$1.log" 2>&1); then
        echo "$1: no findings"
        pass 1
    else
        echo "FAILED: $1 found a problem"
        tail -50 "$OUT/$1.log"
        fail 1
    fi
}

build_failed() {
    echo "FAILED: $1 target did not build"
    fail 1
}

echo "== fuzz smoke (RESP parser)"
if $FUZZ_CC src/mem.c src/str.c src/util.c src/resp.c tests/fuzz/fuzz_resp.c -o "$OUT/fuzz_resp" -lm; then
    run_fuzzer fuzz_resp "${FUZZ_SECONDS:-20}" "$ROOT/tests/fuzz/seeds/resp"
else
    build_failed fuzz_resp
fi

echo "== fuzz smoke (listpack validation)"
if $FUZZ_CC src/mem.c src/util.c src/listpack.c tests/fuzz/fuzz_listpack.c -o "$OUT/fuzz_listpack" -lm; then
    run_fuzzer fuzz_listpack "${FUZZ_LP_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/listpack"
else
    build_failed fuzz_listpack
fi

echo "== fuzz smoke (HyperLogLog values)"
if $FUZZ_CC src/mem.c src/str.c src/hll.c tests/fuzz/fuzz_hll.c -o "$OUT/fuzz_hll" -lm; then
    run_fuzzer fuzz_hll "${FUZZ_HLL_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/hll"
else
    build_failed fuzz_hll
fi

echo "== fuzz smoke (AOF manifest and command reader)"
if $FUZZ_CC src/mem.c src/str.c src/util.c src/resp.c src/aoffile.c tests/fuzz/fuzz_aof.c \
        -o "$OUT/fuzz_aof" -lm; then
    run_fuzzer fuzz_aof "${FUZZ_AOF_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/aof"
else
    build_failed fuzz_aof
fi

echo "== fuzz smoke (scripts' cjson and cmsgpack decoders)"
if $FUZZ_CC src/lua_cjson.c src/lua_cmsgpack.c tests/fuzz/fuzz_lua_codecs.c -o "$OUT/fuzz_lua_codecs" \
        $LUA_LIB -lm; then
    run_fuzzer fuzz_lua_codecs "${FUZZ_LUA_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/luacodec"
else
    build_failed fuzz_lua_codecs
fi

echo "== fuzz smoke (RDB loader and RESTORE)"
# Every source compiled once with coverage (server.c's main renamed); the
# RDB target links only the core, the RDB format and the value types over
# the empty seam (the Makefile's RDB_ALONE), the config target the server.
FZ="$OUT/fuzz_obj"
FZFLAGS="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc $LUA_INC"
mkdir -p "$FZ"
if for src in src/*.c; do
        case "$src" in src/check_*.c) continue ;; esac
        extra=""
        [ "$src" = src/server.c ] && extra="-Dmain=castor_server_main"
        echo "clang $FZFLAGS $extra -c $src -o $FZ/$(basename "$src" .c).o"
    done | xargs -P "${FUZZ_JOBS:-2}" -I{} sh -c '{}'; then
    OBJS_OK=1
else
    OBJS_OK=0
fi
if [ "$OBJS_OK" = 1 ] &&
   $FUZZ_CC tests/fuzz/fuzz_rdb.c $(for m in $(make -s rdb-alone); do echo "$FZ/$m.o"; done) \
        -o "$OUT/fuzz_rdb" -lm -lssl -lcrypto -llzf -lpthread; then
    run_fuzzer fuzz_rdb "${FUZZ_RDB_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/rdb"
else
    build_failed fuzz_rdb
fi

echo "== fuzz smoke (config parser and CONFIG REWRITE's quoting)"
# Every object but the empty seam: the whole server.
if [ "$OBJS_OK" = 1 ] &&
   $FUZZ_CC tests/fuzz/fuzz_config.c $(ls "$FZ"/*.o | grep -v '/seam_none\.o$') \
        -o "$OUT/fuzz_config" $LUA_LIB -lm -lssl -lcrypto -llzf -lpthread; then
    run_fuzzer fuzz_config "${FUZZ_CONFIG_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/config"
else
    build_failed fuzz_config
fi

echo "== fuzz smoke (ACL rules, selectors and ACL files)"
# The whole server too: the rules name commands of the registered tables.
if [ "$OBJS_OK" = 1 ] &&
   $FUZZ_CC tests/fuzz/fuzz_acl.c $(ls "$FZ"/*.o | grep -v '/seam_none\.o$') \
        -o "$OUT/fuzz_acl" $LUA_LIB -lm -lssl -lcrypto -llzf -lpthread; then
    run_fuzzer fuzz_acl "${FUZZ_ACL_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/acl"
else
    build_failed fuzz_acl
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
