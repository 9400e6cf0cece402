#!/bin/sh
# install.sh -- `make install` into a temp prefix, then use the result the way
# a user would: build every examples/*.c out of tree with pkg-config against
# the shared library and run it, and build one against the static library.
#
# Usage: AIKV_BUILD=build sh tests/install.sh      (part of make check)
#        AIKV_BUILD=build-san ...                  installs with SANITIZE=1
#
# Prints "install: N passed, M failed"; exits non-zero on any failure. The temp
# dir is always removed.
set -u

cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
B=${AIKV_BUILD:-build}
CC=${CC:-cc}
RUN_TIMEOUT=${INSTALL_RUN_TIMEOUT:-120}

case "$B" in
*build-san | *build-san/)
    MAKE_FLAVOUR="SANITIZE=1"
    SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
    ;;
*)
    MAKE_FLAVOUR=""
    SAN_FLAGS=""
    ;;
esac

passed=0
failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aikv-install.XXXXXX") || exit 2
# $B/aikv.pc has the prefix baked in and make does not rebuild it when PREFIX
# changes: remove it before installing (so it gets this PREFIX) and after (so
# a later `make install PREFIX=...` does not install one naming this temp dir).
trap 'rm -rf "$TMP"; rm -f "$B/aikv.pc"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | tail -n 30 | sed 's/^/     | /'
    return 0
}
summary() {
    echo "install: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}
# check NAME command...: passes when the command succeeds.
check() {
    _check_name=$1
    shift
    if "$@"; then pass "$_check_name"; else fail "$_check_name"; fi
}

PREFIX=$TMP/prefix
LIB=$PREFIX/lib
VERSION=$(sed -n 's/^#define AIKV_VERSION "\(.*\)"/\1/p' aikv.h)
[ -n "$VERSION" ] || { fail "AIKV_VERSION found in aikv.h"; summary; }

# ------------------------------------------------------------------ make install
rm -f "$B/aikv.pc"
# shellcheck disable=SC2086
if make --no-print-directory install PREFIX="$PREFIX" $MAKE_FLAVOUR >"$TMP/make.log" 2>&1; then
    pass "make install PREFIX=\$tmp/prefix $MAKE_FLAVOUR"
else
    fail "make install PREFIX=\$tmp/prefix $MAKE_FLAVOUR" "$(cat "$TMP/make.log")"
    summary
fi

# ------------------------------------------------------------------ installed files
check "include/aikv.h installed, same as the source" cmp -s aikv.h "$PREFIX/include/aikv.h"
check "lib/libaikv.a installed" test -f "$LIB/libaikv.a" -a -s "$LIB/libaikv.a"
check "lib/libaikv.so.$VERSION is a file" test -f "$LIB/libaikv.so.$VERSION" -a ! -h "$LIB/libaikv.so.$VERSION"
for link in libaikv.so.0 libaikv.so; do
    if [ -h "$LIB/$link" ] && [ "$(readlink "$LIB/$link")" = "libaikv.so.$VERSION" ]; then
        pass "lib/$link -> libaikv.so.$VERSION"
    else
        fail "lib/$link -> libaikv.so.$VERSION" "$(ls -l "$LIB/$link" 2>&1)"
    fi
done
soname=$(readelf -d "$LIB/libaikv.so.$VERSION" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
check "installed library's SONAME is libaikv.so.0 (got '$soname')" test "$soname" = libaikv.so.0
check "lib/pkgconfig/aikv.pc installed" test -f "$LIB/pkgconfig/aikv.pc"
for bin in aikv-server aikv-cli; do
    check "bin/$bin installed and executable" test -f "$PREFIX/bin/$bin" -a -x "$PREFIX/bin/$bin"
done

# ------------------------------------------------------------------ pkg-config
export PKG_CONFIG_PATH="$LIB/pkgconfig"
unset PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR 2>/dev/null
pcver=$(pkg-config --modversion aikv 2>&1)
check "pkg-config --modversion aikv = $VERSION (got '$pcver')" test "$pcver" = "$VERSION"
pcprefix=$(pkg-config --variable=prefix aikv 2>&1)
# A stale build/aikv.pc from an install with another PREFIX would show here.
check "aikv.pc prefix is the install prefix (got '$pcprefix')" test "$pcprefix" = "$PREFIX"
CFLAGS_PC=$(pkg-config --cflags aikv) || { fail "pkg-config --cflags aikv"; summary; }
LIBS_PC=$(pkg-config --libs aikv) || { fail "pkg-config --libs aikv"; summary; }
LIBS_STATIC_PC=$(pkg-config --static --libs aikv) || { fail "pkg-config --static --libs aikv"; summary; }

# ------------------------------------------------------------------ examples, shared
# Out of tree: copy the sources away from the repo so that nothing but the
# installed header can be found.
mkdir -p "$TMP/src" "$TMP/bin"
n_examples=0
for src in "$SRC"/examples/*.c; do
    [ -f "$src" ] || continue
    n_examples=$((n_examples + 1))
    name=$(basename "$src" .c)
    cp "$src" "$TMP/src/$name.c"
    exe=$TMP/bin/$name
    # shellcheck disable=SC2086
    if (cd "$TMP/src" && $CC -std=c11 -Wall -Wextra -O1 -g $SAN_FLAGS -o "$exe" "$name.c" \
        $CFLAGS_PC $LIBS_PC) >"$TMP/cc.log" 2>&1; then
        pass "examples/$name.c builds with pkg-config against libaikv.so"
    else
        fail "examples/$name.c builds with pkg-config against libaikv.so" "$(cat "$TMP/cc.log")"
        continue
    fi
    # It must need the installed shared library, found through LD_LIBRARY_PATH.
    resolved=$(LD_LIBRARY_PATH=$LIB ldd "$exe" 2>/dev/null | sed -n 's/^[[:space:]]*libaikv\.so\.0 => \([^ ]*\).*/\1/p')
    check "$name resolves libaikv.so.0 to the installed one" test "$resolved" = "$LIB/libaikv.so.0"
    if LD_LIBRARY_PATH=$LIB timeout "$RUN_TIMEOUT" "$exe" >"$TMP/run.log" 2>&1; then
        pass "$name runs and exits 0"
    else
        fail "$name runs and exits 0 (status $?)" "$(cat "$TMP/run.log")"
    fi
done
check "examples/*.c found ($n_examples)" test "$n_examples" -gt 0

# ------------------------------------------------------------------ static
# One example linked with the static library: `pkg-config --static` adds the
# private libraries (-lm -pthread); -l:libaikv.a picks the archive although
# libaikv.so sits next to it.
static_src=$TMP/src/hello.c
if [ ! -f "$static_src" ]; then
    for static_src in "$TMP"/src/*.c; do break; done
fi
if [ -n "$static_src" ] && [ -f "$static_src" ]; then
    name=$(basename "$static_src" .c)
    exe=$TMP/bin/$name-static
    LIBS_STATIC=$(printf '%s\n' "$LIBS_STATIC_PC" | sed 's/\(^\| \)-laikv\( \|$\)/\1-l:libaikv.a\2/')
    # shellcheck disable=SC2086
    if (cd "$TMP/src" && $CC -std=c11 -Wall -Wextra -O1 -g $SAN_FLAGS -o "$exe" "$name.c" \
        $CFLAGS_PC $LIBS_STATIC) >"$TMP/cc.log" 2>&1; then
        pass "examples/$name.c builds against libaikv.a ($LIBS_STATIC)"
        if readelf -d "$exe" | grep -q 'NEEDED.*libaikv'; then
            fail "$name-static does not need libaikv.so" "$(readelf -d "$exe" | grep NEEDED)"
        else
            pass "$name-static does not need libaikv.so"
        fi
        # No LD_LIBRARY_PATH: it must not need the installed library.
        if timeout "$RUN_TIMEOUT" "$exe" >"$TMP/run.log" 2>&1; then
            pass "$name-static runs and exits 0"
        else
            fail "$name-static runs and exits 0 (status $?)" "$(cat "$TMP/run.log")"
        fi
    else
        fail "examples/$name.c builds against libaikv.a" "$(cat "$TMP/cc.log")"
    fi
fi

# ------------------------------------------------------------------ installed binaries
# They link the static library, so they run from the prefix without anything else.
for bin in aikv-server aikv-cli; do
    if [ -x "$PREFIX/bin/$bin" ]; then
        if readelf -d "$PREFIX/bin/$bin" 2>/dev/null | grep -q 'NEEDED.*libaikv'; then
            fail "bin/$bin is self-contained (no libaikv.so needed)"
        else
            pass "bin/$bin is self-contained (no libaikv.so needed)"
        fi
    fi
done

summary
