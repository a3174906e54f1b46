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

echo "== integration tests (ASan+UBSan server) and interop/differential tests (release server vs redis-server)"
# One pytest process per file, TEST_JOBS (default 3) at a time: see
# scripts/pytest-jobs.py. Its last line is "pytest: P passed, F failed".
"$PY" scripts/pytest-jobs.py --out "$OUT/pytest" integration interop | tee "$OUT/pytest.log"
line=$(grep -E '^pytest: [0-9]+ passed, [0-9]+ failed' "$OUT/pytest.log" | tail -1)
if [ -n "$line" ]; then
    pass "$(echo "$line" | sed -E 's/^pytest: ([0-9]+) passed.*/\1/')"
    fail "$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')"
else
    fail 1
fi
SAN_LOGS="$OUT/pytest/san"
if ls "$SAN_LOGS"/* >/dev/null 2>&1; then
    echo "FAILED: sanitizer reports:"
    cat "$SAN_LOGS"/*
    fail 1
else
    pass 1
fi

# Fuzz targets: build with libFuzzer + ASan/UBSan, run briefly from seeds.
LUA_INC=$(pkg-config --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
LUA_LIB="-l:liblua5.1.a -ldl"
FUZZ_CC="clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DCASTOR_LIBC_MALLOC -Isrc $LUA_INC"

# run_fuzzer NAME SECONDS SEEDDIR: queue $OUT/NAME for run_queued_fuzzers.
run_fuzzer() {
    mkdir -p "$OUT/corpus_$1"
    echo "$1 $2 $3" >>"$OUT/fuzz.queue"
}

# Run the queued fuzzers FUZZ_JOBS (default 2) at a time (each is one
# process on one core), then count one pass or fail per fuzzer, in order.
run_queued_fuzzers() {
    [ -f "$OUT/fuzz.queue" ] || return 0
    echo "== fuzz smoke runs"
    (cd "$OUT" && xargs -P "${FUZZ_JOBS:-2}" -L 1 sh -c \
        'LSAN_OPTIONS=use_unaligned=1 "./$0" -max_total_time="$1" -print_final_stats=0 \
            "corpus_$0" "$2" >"$0.log" 2>&1; echo $? >"$0.rc"' <fuzz.queue)
    while read -r name secs seeds; do
        if [ "$(cat "$OUT/$name.rc" 2>/dev/null)" = 0 ]; then
            echo "$name: no findings (${secs} s)"
            pass 1
        else
            echo "FAILED: $name found a problem"
            tail -50 "$OUT/$name.log"
            fail 1
        fi
    done <"$OUT/fuzz.queue"
}

build_failed() {
    echo "FAILED: $1 target did not build"
    fail 1
}

echo "== fuzz build (RESP parser)"
if $FUZZ_CC src/mem.c src/str.c src/util.c src/resp.c tests/fuzz/fuzz_resp.c -o "$OUT/fuzz_resp" -lm; then
    run_fuzzer fuzz_resp "${FUZZ_SECONDS:-20}" "$ROOT/tests/fuzz/seeds/resp"
else
    build_failed fuzz_resp
fi

echo "== fuzz build (listpack validation)"
if $FUZZ_CC src/mem.c src/util.c src/listpack.c tests/fuzz/fuzz_listpack.c -o "$OUT/fuzz_listpack" -lm; then
    run_fuzzer fuzz_listpack "${FUZZ_LP_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/listpack"
else
    build_failed fuzz_listpack
fi

echo "== fuzz build (HyperLogLog values)"
if $FUZZ_CC src/mem.c src/str.c src/hll.c tests/fuzz/fuzz_hll.c -o "$OUT/fuzz_hll" -lm; then
    run_fuzzer fuzz_hll "${FUZZ_HLL_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/hll"
else
    build_failed fuzz_hll
fi

echo "== fuzz build (AOF manifest and command reader)"
if $FUZZ_CC src/mem.c src/str.c src/util.c src/resp.c src/aoffile.c tests/fuzz/fuzz_aof.c \
        -o "$OUT/fuzz_aof" -lm; then
    run_fuzzer fuzz_aof "${FUZZ_AOF_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/aof"
else
    build_failed fuzz_aof
fi

echo "== fuzz build (scripts' cjson and cmsgpack decoders)"
if $FUZZ_CC src/lua_cjson.c src/lua_cmsgpack.c tests/fuzz/fuzz_lua_codecs.c -o "$OUT/fuzz_lua_codecs" \
        $LUA_LIB -lm; then
    run_fuzzer fuzz_lua_codecs "${FUZZ_LUA_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/luacodec"
else
    build_failed fuzz_lua_codecs
fi

echo "== fuzz build (RDB loader and RESTORE)"
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
        -o "$OUT/fuzz_rdb" -lm -lssl -lcrypto -llzf -lpthread -luring; then
    run_fuzzer fuzz_rdb "${FUZZ_RDB_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/rdb"
else
    build_failed fuzz_rdb
fi

echo "== fuzz build (config parser and CONFIG REWRITE's quoting)"
# Every object but the empty seam: the whole server.
if [ "$OBJS_OK" = 1 ] &&
   $FUZZ_CC tests/fuzz/fuzz_config.c $(ls "$FZ"/*.o | grep -v '/seam_none\.o$') \
        -o "$OUT/fuzz_config" $LUA_LIB -lm -lssl -lcrypto -llzf -lpthread -luring; then
    run_fuzzer fuzz_config "${FUZZ_CONFIG_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/config"
else
    build_failed fuzz_config
fi

echo "== fuzz build (ACL rules, selectors and ACL files)"
# The whole server too: the rules name commands of the registered tables.
if [ "$OBJS_OK" = 1 ] &&
   $FUZZ_CC tests/fuzz/fuzz_acl.c $(ls "$FZ"/*.o | grep -v '/seam_none\.o$') \
        -o "$OUT/fuzz_acl" $LUA_LIB -lm -lssl -lcrypto -llzf -lpthread -luring; then
    run_fuzzer fuzz_acl "${FUZZ_ACL_SECONDS:-10}" "$ROOT/tests/fuzz/seeds/acl"
else
    build_failed fuzz_acl
fi

run_queued_fuzzers

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
