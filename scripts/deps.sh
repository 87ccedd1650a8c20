#!/bin/sh
# deps.sh - install the Debian packages a make target needs, only those missing.
# Usage: scripts/deps.sh build|test|bench|fuzz|browser
set -eu
build="gcc make pkg-config libunwind-dev libcjson-dev libdw-dev libelf-dev libiberty-dev zlib1g-dev"
test="$build golang-go nodejs chromium libcriterion-dev libjemalloc-dev libjemalloc2 valgrind python3 perl sqlite3 xz-utils g++ git coreutils liblsan0"
bench="$test heaptrack hyperfine"
fuzz="$test clang libclang-rt-14-dev"
# heapview --html's browser test: Chromium, driven by Playwright (npm, tests/tests.mk)
browser="$build nodejs chromium"
case "${1:-build}" in
build) want=$build ;; test) want=$test ;; bench) want=$bench ;; fuzz) want=$fuzz ;;
browser) want=$browser ;;
*) echo "deps.sh: unknown set '$1' (build|test|bench|fuzz|browser)" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# The Rust test programs need a rustc; examples/rust-stats and the workflow test a cargo: the
# machine's own (rustup), else Debian's.
case "${1:-build}" in test|bench|fuzz)
    command -v rustc >/dev/null 2>&1 || missing="$missing rustc"
    command -v cargo >/dev/null 2>&1 || missing="$missing cargo" ;;
esac
# npm installs Playwright for the browser test: the one that comes with nodejs (NodeSource's
# package includes it and conflicts with Debian's npm), else Debian's.
case "${1:-build}" in test|bench|fuzz|browser)
    command -v npm >/dev/null 2>&1 || missing="$missing npm" ;;
esac
[ -z "$missing" ] && exit 0
echo "deps.sh: installing:$missing" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
