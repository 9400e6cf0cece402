#!/bin/sh
# symbols.sh -- the shared library exports the public API and nothing else.
#
# Usage: AIKV_BUILD=build sh tests/symbols.sh      (part of make check)
#
# Checks on $AIKV_BUILD/libaikv.so:
#   - every dynamic symbol it defines is aikv_* (the linker's own _init,
#     _fini, __bss_start, _edata, _end are allowed);
#   - every function declared AIKV_API in aikv.h is exported, and every
#     exported aikv_* symbol is declared there;
#   - its SONAME is libaikv.so.0, and the libaikv.so / libaikv.so.0 links lead
#     to libaikv.so.<AIKV_VERSION>.
# Prints "symbols: N passed, M failed"; exits non-zero on any failure.
set -u

cd "$(dirname "$0")/.." || exit 2
B=${AIKV_BUILD:-build}
SO=$B/libaikv.so

passed=0
failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aikv-symbols.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | head -n 40 | sed 's/^/     | /'
    return 0
}
summary() {
    echo "symbols: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

for t in nm readelf; do
    command -v $t >/dev/null 2>&1 || { fail "tool $t is installed"; summary; }
done
if [ -f "$SO" ]; then pass "$SO exists"; else fail "$SO exists (run make first)"; summary; fi

# ------------------------------------------------------------------ exported symbols
# nm -D --defined-only: "address type name" (name may carry @VERSION).
if ! nm -D --defined-only "$SO" >"$TMP/nm" 2>"$TMP/nm.err"; then
    fail "nm -D --defined-only $SO" "$(cat "$TMP/nm.err")"
    summary
fi
awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' "$TMP/nm" | sort -u >"$TMP/exported"
grep -v -x -e '_init' -e '_fini' -e '__bss_start' -e '_edata' -e '_end' "$TMP/exported" |
    grep -v '^aikv_' >"$TMP/foreign"
if [ -s "$TMP/foreign" ]; then
    fail "only aikv_* symbols exported ($(wc -l <"$TMP/foreign") others)" "$(cat "$TMP/foreign")"
else
    pass "only aikv_* symbols exported ($(grep -c '^aikv_' "$TMP/exported") of them)"
fi

# ------------------------------------------------------------------ against aikv.h
# Every AIKV_API declaration names its function on the AIKV_API line.
grep '^[[:space:]]*AIKV_API[[:space:]]' aikv.h | grep -o 'aikv_[A-Za-z0-9_]*[[:space:]]*(' |
    sed 's/[[:space:]]*($//' | sort -u >"$TMP/declared"
if [ -s "$TMP/declared" ]; then
    pass "aikv.h declares $(wc -l <"$TMP/declared") AIKV_API functions"
else
    fail "aikv.h declares AIKV_API functions"
fi
grep '^aikv_' "$TMP/exported" >"$TMP/exported_aikv"
missing=$(comm -23 "$TMP/declared" "$TMP/exported_aikv")
if [ -z "$missing" ]; then
    pass "every AIKV_API function of aikv.h is exported"
else
    fail "every AIKV_API function of aikv.h is exported (missing: $(echo "$missing" | wc -l))" "$missing"
fi
extra=$(comm -13 "$TMP/declared" "$TMP/exported_aikv")
if [ -z "$extra" ]; then
    pass "every exported aikv_* symbol is declared in aikv.h"
else
    fail "every exported aikv_* symbol is declared in aikv.h" "$extra"
fi

# ------------------------------------------------------------------ SONAME and links
soname=$(readelf -d "$SO" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
if [ "$soname" = libaikv.so.0 ]; then
    pass "SONAME is libaikv.so.0"
else
    fail "SONAME is libaikv.so.0 (got '$soname')" "$(readelf -d "$SO" 2>&1 | head -n 20)"
fi
VERSION=$(sed -n 's/^#define AIKV_VERSION "\(.*\)"/\1/p' aikv.h)
for f in "$B/libaikv.so" "$B/libaikv.so.0"; do
    target=$(readlink "$f" 2>/dev/null)
    if [ -h "$f" ] && [ "$target" = "libaikv.so.$VERSION" ] && [ -f "$B/$target" ]; then
        pass "$f -> libaikv.so.$VERSION"
    else
        fail "$f -> libaikv.so.$VERSION (got '$target')"
    fi
done
# A shared library with text relocations cannot be shared between processes.
if readelf -d "$SO" 2>/dev/null | grep -q TEXTREL; then
    fail "no text relocations (objects built without -fPIC?)"
else
    pass "no text relocations"
fi

summary
