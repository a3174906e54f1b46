#!/bin/sh
# Layer 1 (pure libraries) and resp.c must not include server headers
# (STYLE.md section 1). Prints offending lines; exits 1 if any.
cd "$(dirname "$0")/../src" || exit 1
allowed='"(mem|str|dict|util|kv|resp|intset|listpack|quicklist|skiplist|zset|crc64|ziplist|aoffile|backlog|coalesce|hll|geohash|sha1|lzf)\.h"'
bad=$(grep -nE '^#include "' mem.c str.c dict.c util.c kv.c resp.c listpack.c listpack.h quicklist.c quicklist.h intset.c intset.h skiplist.c skiplist.h zset.c zset.h crc64.c crc64.h ziplist.c ziplist.h aoffile.c aoffile.h backlog.c backlog.h coalesce.c coalesce.h hll.c hll.h geohash.c geohash.h mem.h str.h dict.h util.h kv.h resp.h \
      2>/dev/null | grep -vE "#include $allowed")
if [ -n "$bad" ]; then
    echo "layering violation (layer 1 includes a server header):"
    echo "$bad"
    exit 1
fi
echo "layers ok"
