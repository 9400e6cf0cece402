# AiKv -- build, test, install.
#
#   make                  library, server, cli, examples (into build/)
#   make run              install missing Debian packages, build, start the server
#   make test             install missing packages, run the whole suite, then again
#                         under ASan+UBSan (build-san/)
#   make check            the suite once, for the current build flavour
#   make install PREFIX=/usr/local DESTDIR=
#   make bench            redis-benchmark: aikv-server vs redis-server
#   make soak             mixed load for 60 s: does memory stay flat?
#   make valgrind         every unit test binary under valgrind memcheck
#   make SANITIZE=1 ...   any target with ASan+UBSan, in build-san/

VERSION := $(shell sed -n 's/^\#define AIKV_VERSION "\(.*\)"/\1/p' aikv.h)
SOVERSION := 0
PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR ?= $(PREFIX)/bin
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
PYTHON ?= /usr/bin/python3

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wstrict-prototypes -Wshadow
BASE_CFLAGS := -std=gnu11 -D_GNU_SOURCE -pthread $(WARN) -I. $(shell pkg-config --cflags lua5.4 2>/dev/null)

ifeq ($(SANITIZE),1)
B := build-san
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
B := build
SAN :=
endif

SERVER_PKGS := libevent
CLI_PKGS := libedit
LIB_LIBS := -lsqlite3 $(shell pkg-config --libs lua5.4 2>/dev/null || echo -llua5.4) -lm -pthread
pc = $(shell pkg-config $(1) $(2) 2>/dev/null)

LIB_SRC := $(sort $(wildcard libaikv/*/*.c libaikv/*/*/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(B)/obj/%.o)
SERVER_SRC := $(wildcard aikv-server/*.c)
SERVER_OBJ := $(SERVER_SRC:%.c=$(B)/obj/%.o)
CLI_SRC := $(wildcard aikv-cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/obj/%.o)
EXAMPLES := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/test_*.c))

ALL_CFLAGS = $(BASE_CFLAGS) $(CFLAGS) $(SAN)

.PHONY: FORCE all lib run test check unit integration smoke difftest bench bench-collections install uninstall bench clean deps deps-test
all: lib $(B)/aikv-server $(B)/aikv-cli $(EXAMPLES)
lib: $(B)/libaikv.a $(B)/libaikv.so

deps:
	@sh scripts/deps.sh build
deps-test:
	@sh scripts/deps.sh test

# Library objects are position independent and hide everything but AIKV_API.
$(B)/obj/libaikv/%.o: libaikv/%.c $(wildcard libaikv/*/*.h libaikv/*/*/*.h) aikv.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(B)/obj/aikv-server/%.o: aikv-server/%.c $(wildcard aikv-server/*.h libaikv/*/*.h) aikv.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call pc,--cflags,$(SERVER_PKGS)) -c $< -o $@

$(B)/obj/aikv-cli/%.o: aikv-cli/%.c $(wildcard aikv-cli/*.h libaikv/*/*.h) aikv.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call pc,--cflags,$(CLI_PKGS)) -c $< -o $@

$(B)/libaikv.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libaikv.so: $(LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -shared -Wl,-soname,libaikv.so.$(SOVERSION) -o $@.$(VERSION) $^ $(LIB_LIBS)
	ln -sf libaikv.so.$(VERSION) $(B)/libaikv.so.$(SOVERSION)
	ln -sf libaikv.so.$(VERSION) $@

# The server and the cli link the static library: they use internal modules
# (RESP codec, command dispatch) that the shared library does not export.
$(B)/aikv-server: $(SERVER_OBJ) $(B)/libaikv.a
	$(CC) $(ALL_CFLAGS) -o $@ $(SERVER_OBJ) $(B)/libaikv.a $(call pc,--libs,$(SERVER_PKGS)) $(LIB_LIBS)

$(B)/aikv-cli: $(CLI_OBJ) $(B)/libaikv.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(B)/libaikv.a $(call pc,--libs,$(CLI_PKGS)) $(LIB_LIBS)

$(B)/examples/%: examples/%.c $(B)/libaikv.a aikv.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libaikv.a $(LIB_LIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h tests/unit/engine_fixture.h $(B)/libaikv.a aikv.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ilibaikv -o $@ $< $(B)/libaikv.a -lcriterion $(LIB_LIBS)

# Regenerated on every install: it records PREFIX, which may differ each time.
$(B)/aikv.pc: pkgconfig/aikv.pc.in aikv.h FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' -e 's|@VERSION@|$(VERSION)|g' $< > $@

run: deps
	@$(MAKE) --no-print-directory all
	./$(B)/aikv-server $(ARGS)

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; ASAN_OPTIONS=detect_leaks=1 $$t --jobs 2; done

integration: all
	AIKV_BUILD=$(B) $(PYTHON) -m pytest -q tests/integration

smoke: all
	AIKV_BUILD=$(B) sh tests/smoke.sh

# Differential test: seeded random commands to aikv-server and redis-server.
N ?= 20000
SEED ?= 1
difftest: all
	AIKV_BUILD=$(B) $(PYTHON) tests/diff/diff.py --commands $(N) --seed $(SEED)
	AIKV_BUILD=$(B) $(PYTHON) tests/diff/diff.py --commands $(N) --seed $(SEED) --engine sqlite

check: all unit integration smoke difftest fuzz-smoke
	AIKV_BUILD=$(B) sh tests/install.sh
	AIKV_BUILD=$(B) sh tests/symbols.sh

test: deps-test
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check SANITIZE=1

bench: deps-test all
	AIKV_BUILD=$(B) $(PYTHON) tests/bench/bench.py $(BENCH_ARGS)

# The collection types: redis-benchmark's list/set/hash/zset tests, then the
# memory of 1M-member collections and the scaling of sorted-set operations.
bench-collections: deps-test all
	AIKV_BUILD=$(B) $(PYTHON) tests/bench/bench.py --memory-keys 0 \
	    --tests lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100,lrange_600 $(BENCH_ARGS)
	AIKV_BUILD=$(B) $(PYTHON) tests/bench/structures.py

# The typed C API on the SQLite engine against raw SQLite statements doing
# the same work (tests/bench/libbench.c).
$(B)/bench/libbench: tests/bench/libbench.c $(B)/libaikv.a aikv.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -I. -o $@ $< $(B)/libaikv.a $(LIB_LIBS)

.PHONY: bench-lib bench-crash
bench-lib: deps-test $(B)/bench/libbench
	./$(B)/bench/libbench $(LIBBENCH_ARGS)

# EVAL, EVALSHA and MULTI/EXEC batches against redis-server.
.PHONY: bench-scripting
bench-scripting: deps-test all
	AIKV_BUILD=$(B) $(PYTHON) tests/bench/scripting.py $(SCRIPTING_ARGS)

# SIGKILL under write load, many rounds (make test runs a short version).
bench-crash: all
	AIKV_BUILD=$(B) $(PYTHON) tests/bench/crash.py $(CRASH_ARGS)

# ---------------------------------------------------------------- soak
# A long mixed load (strings, lists, hashes, sets, sorted sets, expiries,
# deletes, pipelines) from several client processes; samples RSS and
# used_memory every second and says whether memory stays flat after warm-up.
#   make soak SOAK_ARGS="--seconds 600 --workers 4"
.PHONY: soak
soak: all
	AIKV_BUILD=$(B) $(PYTHON) tests/bench/soak.py $(SOAK_ARGS)

# ---------------------------------------------------------------- valgrind
# Every unit test binary under memcheck (normal build only: valgrind and
# ASan do not mix). Criterion runs each test in a child process that
# re-executes the binary, so --trace-children=yes puts every test body under
# valgrind, one log per process in $(B)/valgrind/. A child's valgrind status
# does not reach Criterion, so the verdict comes from the logs: every
# process must end with "ERROR SUMMARY: 0 errors", leaks counting as errors.
# Skipped: tests whose expectations need x87 80-bit long doubles, which
# valgrind computes with 64-bit precision (the sanitizer build runs them).
# `make -j2 valgrind` runs two binaries at a time.
VALGRIND ?= valgrind
VALGRIND_FLAGS := --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 --trace-children=yes
VALGRIND_SKIP := !(ld2str/*|str2ld/*|*/incrbyfloat*|*/incr_of_missing_key*)
VALGRIND_RUNS := $(patsubst $(B)/tests/%,valgrind-%,$(UNIT_TESTS))
.PHONY: valgrind $(VALGRIND_RUNS)

valgrind: $(VALGRIND_RUNS)
	@echo "valgrind: $(words $(VALGRIND_RUNS)) test binaries," \
	    "$$(ls $(B)/valgrind/*.log | wc -l) processes, 0 errors, 0 leaks"

$(VALGRIND_RUNS): valgrind-%: $(B)/tests/%
ifeq ($(SANITIZE),1)
	@echo "make valgrind: use the normal build (valgrind cannot run ASan binaries)"; exit 2
endif
	@mkdir -p $(B)/valgrind
	@rm -f $(B)/valgrind/$*.*.log $(B)/valgrind/$*.out
	@$(VALGRIND) $(VALGRIND_FLAGS) --log-file=$(B)/valgrind/$*.%p.log \
	    $< --jobs 1 --filter '$(VALGRIND_SKIP)' > $(B)/valgrind/$*.out 2>&1 || \
	    { cat $(B)/valgrind/$*.out; echo "valgrind $*: FAILED (see $(B)/valgrind/$*.*.log)"; exit 1; }
	@bad=$$(grep -L "ERROR SUMMARY: 0 errors" $(B)/valgrind/$*.*.log); \
	if [ -n "$$bad" ]; then cat $$bad; echo "valgrind $*: errors in $$bad"; exit 1; fi
	@echo "valgrind $*: $$(grep -h Synthesis $(B)/valgrind/$*.out | sed 's/.*Synthesis: //');" \
	    "$$(ls $(B)/valgrind/$*.*.log | wc -l) processes, 0 errors"

install: lib $(B)/aikv-server $(B)/aikv-cli $(B)/aikv.pc
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PKGCONFIGDIR)
	install -m 644 aikv.h $(DESTDIR)$(INCLUDEDIR)/aikv.h
	install -m 644 $(B)/libaikv.a $(DESTDIR)$(LIBDIR)/libaikv.a
	install -m 755 $(B)/libaikv.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libaikv.so.$(VERSION)
	ln -sf libaikv.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libaikv.so.$(SOVERSION)
	ln -sf libaikv.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libaikv.so
	install -m 755 $(B)/aikv-server $(B)/aikv-cli $(DESTDIR)$(BINDIR)/
	install -m 644 $(B)/aikv.pc $(DESTDIR)$(PKGCONFIGDIR)/aikv.pc

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/aikv.h $(DESTDIR)$(LIBDIR)/libaikv.* \
	      $(DESTDIR)$(BINDIR)/aikv-server $(DESTDIR)$(BINDIR)/aikv-cli $(DESTDIR)$(PKGCONFIGDIR)/aikv.pc

clean:
	rm -rf build build-san

FORCE:

# ================================================================ fuzzing
#
# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang into build-fuzz/:
# the library sources are compiled again there with the fuzzer's coverage
# instrumentation and ASan+UBSan (build/ and build-san/ are never reused).
#
#   make fuzz FUZZ_SECONDS=600   every target for FUZZ_SECONDS each
#   make fuzz FUZZ_TARGETS=req   one target
#   make fuzz-smoke              the seed corpora plus a few seconds each (part of check)
#   make fuzz-clean
#
# The committed seeds (tests/fuzz/corpus/<target>/) are only read: new inputs
# go to build-fuzz/corpus/<target>/, which is kept between runs, and crash,
# leak, timeout and out-of-memory reproducers to build-fuzz/artifacts/<target>/.
# Any of those makes the target fail.

FUZZ_CC ?= clang
FUZZ_TARGETS ?= req reader command rdbfn
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_ARGS ?=
FB := build-fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := $(BASE_CFLAGS) -O1 -g $(FUZZ_SAN)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FB)/obj/%.o)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FB)/fuzz_%)
# -rss_limit_mb also bounds single allocations (malloc_limit_mb defaults to it).
FUZZ_RUN_OPTS := -rss_limit_mb=2048 -timeout=25 -max_len=8192 -print_final_stats=1

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-clean

$(FB)/obj/libaikv/%.o: libaikv/%.c $(wildcard libaikv/*/*.h libaikv/*/*/*.h libaikv/*/*.inc) aikv.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FB)/libaikv.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c $(FB)/libaikv.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Ilibaikv -o $@ $< $(FB)/libaikv.a $(LIB_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FB)/corpus/$$t $(FB)/artifacts/$$t; \
	    echo "== fuzz_$$t for $(FUZZ_SECONDS)s"; \
	    ./$(FB)/fuzz_$$t $(FUZZ_RUN_OPTS) -max_total_time=$(FUZZ_SECONDS) \
	        -artifact_prefix=$(FB)/artifacts/$$t/ $(FUZZ_ARGS) \
	        $(FB)/corpus/$$t tests/fuzz/corpus/$$t; \
	done

# Every seed once, then FUZZ_SMOKE_SECONDS of fuzzing per target from a fresh
# scratch corpus.
fuzz-smoke: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    rm -rf $(FB)/smoke/$$t; mkdir -p $(FB)/smoke/$$t $(FB)/artifacts/$$t; \
	    echo "== fuzz_$$t: seeds + $(FUZZ_SMOKE_SECONDS)s"; \
	    ./$(FB)/fuzz_$$t $(FUZZ_RUN_OPTS) -max_total_time=$(FUZZ_SMOKE_SECONDS) \
	        -artifact_prefix=$(FB)/artifacts/$$t/ $(FUZZ_ARGS) \
	        $(FB)/smoke/$$t tests/fuzz/corpus/$$t 2>$(FB)/smoke/$$t.log \
	        || { tail -n 60 $(FB)/smoke/$$t.log; exit 1; }; \
	    grep -h '^stat::number_of_executed_units\|^Done' $(FB)/smoke/$$t.log || true; \
	done

fuzz-clean:
	rm -rf $(FB)
