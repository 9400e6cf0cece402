#!/bin/sh
# Install the Debian 12 packages AiKv needs to build, run and test, when any is missing.
# Usage: scripts/deps.sh [build|test]   (test = build + test tools)
# Runs apt-get only when a package is missing; needs root for that.
set -eu

BUILD="build-essential pkg-config libevent-dev libsqlite3-dev liblua5.4-dev libcjson-dev libedit-dev"
TEST="libcriterion-dev python3 python3-pytest python3-redis redis-server redis-tools clang libclang-rt-14-dev valgrind"

want=$BUILD
[ "${1:-build}" = test ] && want="$BUILD $TEST"

missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
