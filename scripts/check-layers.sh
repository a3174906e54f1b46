#!/bin/sh
# The layering of STYLE.md section 1 and docs/MODULES.md, checked on the
# #include lines of src/ (run by make test):
#   layer 1, the pure libraries (and resp.c), include only layer 1;
#   layer 2, the core, includes only layers 1 and 2, the shared state
#   (server.h, config.h, errors.h) and the seam (seam.h): never a
#   feature's header. The core reaches features only through seam.h,
#   which server.c implements (tests/unit/test_core.c links the core
#   alone to prove it).
# Adding a file to a layer? Add it to PURE or CORE here and in the
# Makefile's PURE/CORE lists. Prints the offending lines; exits 1 if any.
cd "$(dirname "$0")/../src" || exit 1

PURE="mem str dict util kv resp intset listpack quicklist skiplist zset crc64 crc16 ptrset ziplist aoffile backlog coalesce hll geohash stream"
CORE="ev net tls conn uring client reply cmdtable db propagate log log_syslog proctitle state"
SHARED="server config errors seam"
THIRD_PARTY="sha1 lzf"

# The existing .c and .h files of the modules named in $1.
files_of() {
    for m in $1; do
        for f in "$m.c" "$m.h"; do [ -f "$f" ] && echo "$f"; done
    done
}

# The headers named in $1 (the shared state's .c files are above the core).
headers_of() { for m in $1; do echo "$m.h"; done; }

# Alternation of header names for a grep -E.
names() { echo "$*" | tr -s ' ' '\n' | sed 's/$/\\.h/' | paste -sd'|'; }

# check LAYER-NAME "files" "allowed modules": print includes of anything else.
check() {
    bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' $2 /dev/null |
          grep -vE "#[[:space:]]*include[[:space:]]*\"($(names $3))\"")
    if [ -n "$bad" ]; then
        echo "layering violation ($1 includes a header from above it):"
        echo "$bad"
        return 1
    fi
    return 0
}

status=0
check "layer 1" "$(files_of "$PURE")" "$PURE $THIRD_PARTY" || status=1
check "the core" "$(files_of "$CORE") $(headers_of "$SHARED")" "$PURE $THIRD_PARTY $CORE $SHARED" || status=1
[ $status = 0 ] && echo "layers ok"
exit $status
