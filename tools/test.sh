#!/usr/bin/env bash
# Builds GANForge (installing what is missing) and runs the whole test suite in parallel.
# CI runs exactly this (.ci/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_BUILD_DIR:-$root/build}"
"$root/tools/setup.sh"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"

# The SIMT emulator's tests again under AddressSanitizer + UBSan (kernel accesses past a device
# buffer, the planted out-of-bounds write): a second, small build of that one target.
asan="${GANFORGE_ASAN_BUILD_DIR:-$root/build-asan}"
if [[ ! -f "$asan/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGANFORGE_CUDA=OFF -DGANFORGE_BUILD_BENCH=OFF \
        -DCMAKE_CXX_FLAGS="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" >/dev/null
fi
if ninja -C "$asan" -t targets all | grep -q '^test_simt:'; then  # absent without the CUDA headers
  cmake --build "$asan" --target test_simt -j2
  "$asan/tests/simt/test_simt" --gtest_brief=1
fi
