#!/usr/bin/env bash
# Installs the build into a temporary prefix and builds examples/tiny_vmm.c
# against it twice, through pkg-config and through find_package(squib), then
# runs both on the x86 ROM in the interpreter.
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in include/squib/exit.h include/squib/accel.h lib/libsquib.a lib/libsquib.so \
    lib/pkgconfig/squib.pc lib/cmake/squib/squibConfig.cmake bin/squib; do
    [ -e "$tmp/prefix/$f" ] || { echo "FAIL: $f not installed"; exit 1; }
done
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
cc "$src/examples/tiny_vmm.c" $(pkg-config --cflags squib) -Wl,-rpath,"$tmp/prefix/lib" \
    $(pkg-config --libs squib) -o "$tmp/tiny_vmm_pc"
out=$("$tmp/tiny_vmm_pc" "$build/roms/x86-hello.bin" interp 2>/dev/null)
case "$out" in
*"hello from real mode"*"powered off"*) echo "pkg-config consumer: ok" ;;
*) echo "FAIL: pkg-config consumer printed: $out"; exit 1 ;;
esac
cmake -S "$src/tests/install" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$tmp/prefix" \
    -DEXAMPLE="$src/examples/tiny_vmm.c" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
out=$(LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/consumer/tiny_vmm_cmake" "$build/roms/x86-hello.bin" interp 2>/dev/null)
case "$out" in
*"hello from real mode"*"powered off"*) echo "find_package consumer: ok" ;;
*) echo "FAIL: find_package consumer printed: $out"; exit 1 ;;
esac
echo "1 passed, 0 failed"
