#!/usr/bin/env bash
# build.sh: set-up, build and run for squib on Debian 12.
#
#   ./build.sh run    install what is missing, build, boot the default guest
#   ./build.sh test   install what is missing, build, run every test
#
# SANITIZE=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer into
# build-asan/ instead of build/.  JOBS sets the build parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")"

mode=${1:-}
case "$mode" in
run | test) ;;
*)
    echo "usage: $0 run|test   (SANITIZE=1 for an ASan+UBSan build)" >&2
    exit 2
    ;;
esac

build_pkgs="cmake make gcc pkg-config libfdt-dev nasm gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu"
test_pkgs="libcriterion-dev libunicorn-dev"
pkgs=$build_pkgs
[ "$mode" = test ] && pkgs="$pkgs $test_pkgs"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "build.sh: installing:$missing"
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${SANITIZE:-0}" = 1 ]; then
    dir=build-asan
    flags=(-DCMAKE_BUILD_TYPE=Debug -DSQUIB_SANITIZE=ON)
fi
# The tests need Criterion, which only "test" installs.
[ "$mode" = test ] && flags+=(-DSQUIB_BUILD_TESTS=ON) || flags+=(-DSQUIB_BUILD_TESTS=OFF)
cmake -S . -B "$dir" "${flags[@]}" >/dev/null
cmake --build "$dir" -j "${JOBS:-2}"

if [ "$mode" = run ]; then
    # The bundled default guest: prints a banner on the serial port and powers
    # off.  -accel auto takes KVM where it runs this guest well, else the
    # interpreter, and says which with --stats.
    exec "$dir/squib" -M pc -bios "$dir/roms/x86-hello.bin" -nographic --stats
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-handle_segv=0:detect_leaks=1}
cd "$dir"
ctest --output-on-failure -j "${JOBS:-2}"
