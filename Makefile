# castor -- one Makefile, no generated build files. See README.md.
CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
WARN := -Wall -Wextra -Werror -Wno-missing-field-initializers -Wmissing-prototypes -Wshadow \
        -Wnested-externs
LUA_CFLAGS := $(shell pkg-config --cflags lua5.1 2>/dev/null || echo -I/usr/include/lua5.1)
CFLAGS_COMMON := -std=gnu11 $(WARN) -g -MMD -MP -Isrc $(LUA_CFLAGS)
JEMALLOC_LIBS := $(shell pkg-config --libs jemalloc 2>/dev/null || echo -ljemalloc)
# Lua 5.1 (Debian's liblua5.1-0-dev), linked statically: no run-time
# dependency, and calls into the VM skip the PLT.
LUA_LIBS := -l:liblua5.1.a -ldl
LIBS := -lm -lssl -lcrypto -llzf -lpthread -luring

# src/check_*.c are the mains of the offline tools (castor-check-aof ...);
# seam_none.c is their seam (the server's is server.c).
TOOL_SRCS := $(wildcard src/check_*.c) src/seam_none.c
SRCS := $(filter-out $(TOOL_SRCS),$(wildcard src/*.c))
# Layer 1 (pure libraries) and the RESP codec: what unit tests link against.
PURE := mem str dict util kv resp backlog listpack quicklist intset skiplist zset crc64 crc16 ptrset ziplist aoffile coalesce hll geohash stream symtab
# Layer 2, the core: with PURE it links alone, reaching the features only
# through seam.h (server.c implements it; seam_none.c stubs it, and
# tests/unit/test_core.c replaces the stubs it observes).
CORE := $(PURE) state ev net tls uring client reply cmdtable db propagate log log_syslog proctitle
# What loads a dataset without the server (castor-check-rdb, the RDB
# fuzzer): the core, the RDB format and the value types (with the argument
# and SCAN helpers of their commands), over the empty seam.
RDB_ALONE := $(CORE) rio rdb rdb_types t_hash t_list t_set t_zset arg scan seam_none

REL_OBJS := $(patsubst src/%.c,build/obj/%.o,$(SRCS))
ASAN_OBJS := $(patsubst src/%.c,build-asan/obj/%.o,$(SRCS))
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,build/tests/%,$(UNIT_SRCS))
UNIT_ASAN_BINS := $(patsubst tests/unit/%.c,build-asan/tests/%,$(UNIT_SRCS))

.PHONY: all asan unit deps run test bench fmt fmt-check clean fuzz conformance rdb-alone apps
all: build/castor-server build/castor-check-aof build/castor-check-rdb

build/castor-server: $(REL_OBJS)
	$(CC) -O2 -g -rdynamic -o $@ $^ $(JEMALLOC_LIBS) $(LUA_LIBS) $(LIBS)

# -rdynamic: the crash report's backtrace names the functions (crash.c).
# castor-check-rdb: the loader without the server (see RDB_ALONE).
build/castor-check-rdb: build/obj/check_rdb.o $(patsubst %,build/obj/%.o,$(RDB_ALONE))
	$(CC) -O2 -g -o $@ $^ $(JEMALLOC_LIBS) $(LIBS)
build-asan/castor-check-rdb: build-asan/obj/check_rdb.o $(patsubst %,build-asan/obj/%.o,$(RDB_ALONE))
	$(CC) $(SAN) -g -o $@ $^ $(LIBS)

# The objects of RDB_ALONE, for scripts/run-tests.sh's RDB fuzzer.
rdb-alone:
	@echo $(RDB_ALONE)

# castor-check-aof: the AOF formats (aoffile.c) and the pure libraries only.
build/castor-check-aof: build/obj/check_aof.o $(patsubst %,build/obj/%.o,mem str util resp aoffile crc64)
	$(CC) -O2 -g -o $@ $^ $(JEMALLOC_LIBS) $(LIBS)

build/obj/%.o: src/%.c | build/obj
	$(CC) $(CFLAGS_COMMON) -O2 -c -o $@ $<

asan: build-asan/castor-server build-asan/castor-check-rdb
build-asan/castor-server: $(ASAN_OBJS)
	$(CC) $(SAN) -g -rdynamic -o $@ $^ $(LUA_LIBS) $(LIBS)

build-asan/obj/%.o: src/%.c | build-asan/obj
	$(CC) $(CFLAGS_COMMON) -O1 $(SAN) -DCASTOR_LIBC_MALLOC -c -o $@ $<

build/tests/%: tests/unit/%.c $(patsubst %,build/obj/%.o,$(PURE)) | build/tests
	$(CC) $(CFLAGS_COMMON) -O2 -Itests/unit -o $@ $^ $(JEMALLOC_LIBS) $(LIBS)

build-asan/tests/%: tests/unit/%.c $(patsubst %,build-asan/obj/%.o,$(PURE)) | build-asan/tests
	$(CC) $(CFLAGS_COMMON) -O1 $(SAN) -DCASTOR_LIBC_MALLOC -Itests/unit -o $@ $^ $(LIBS)

# The core alone over seam_none.c, whose weak stubs the test replaces
# where it observes the calls.
build/tests/test_core: tests/unit/test_core.c $(patsubst %,build/obj/%.o,$(CORE) seam_none) | build/tests
	$(CC) $(CFLAGS_COMMON) -O2 -Itests/unit -o $@ $^ $(JEMALLOC_LIBS) $(LIBS)

build-asan/tests/test_core: tests/unit/test_core.c $(patsubst %,build-asan/obj/%.o,$(CORE) seam_none) | build-asan/tests
	$(CC) $(CFLAGS_COMMON) -O1 $(SAN) -DCASTOR_LIBC_MALLOC -Itests/unit -o $@ $^ $(LIBS)

unit: $(UNIT_BINS) $(UNIT_ASAN_BINS)

build/obj build-asan/obj build/tests build-asan/tests:
	mkdir -p $@

deps:
	sh scripts/install-deps.sh run

run: deps
	$(MAKE) all
	./build/castor-server

# Builds on every core (CI's machine has two); make -jN test still works.
test:
	sh scripts/install-deps.sh test
	$(MAKE) -j$$(nproc) all asan unit
	sh scripts/run-tests.sh

# Every section, the long ones too (the figures the issues ask for; those
# three add ~20 min on 2 cores): bench/bench.py alone runs the default set.
bench:
	sh scripts/install-deps.sh test
	$(MAKE) all
	/usr/bin/python3 bench/bench.py --with fullsync --with jepsen --with cluster

# BullMQ, ioredis and node-redis scenarios on castor and redis-server, the
# outcomes compared (tests/apps; npm ci needs the npm registry, so make test
# does not run them): see scripts/apps.sh.
apps:
	sh scripts/install-deps.sh apps
	$(MAKE) all
	sh scripts/apps.sh

# Redis 7.0.15's own suite, units of your choice, against the baseline of
# redis-server (needs ../shared; not part of test): see scripts/conformance.sh.
conformance:
	sh scripts/install-deps.sh conformance
	$(MAKE) all
	sh scripts/conformance.sh

FMT_FILES = src/*.c src/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c

fmt:
	clang-format -i $(FMT_FILES)

# Fails (listing the first differences) unless the sources are as make fmt leaves them.
fmt-check:
	@clang-format --dry-run --Werror $(FMT_FILES) 2>&1 | head -40; \
	clang-format --dry-run --Werror $(FMT_FILES) >/dev/null 2>&1 && echo "format ok"

clean:
	rm -rf build build-asan

-include $(REL_OBJS:.o=.d) $(ASAN_OBJS:.o=.d) $(patsubst src/%.c,build/obj/%.d,$(TOOL_SRCS)) \
    $(patsubst src/%.c,build-asan/obj/%.d,$(TOOL_SRCS))
