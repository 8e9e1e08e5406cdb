#!/usr/bin/env bash
# Builds GANForge (installing what is missing) and runs the whole test suite in parallel.
# CI runs exactly this (.ci/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_BUILD_DIR:-$root/build}"
export CCACHE_BASEDIR="$root"  # the sanitizer and fuzz trees below hit ccache across clones too
"$root/tools/setup.sh"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"

# The CI report of the CUDA kernels' resources as ptxas compiled them (core/gpu_resources.h):
# kernels that spill or fall under 25% occupancy at 256 threads a block. A report, not a gate.
echo "CUDA kernels flagged by ptxas's resources:"
"$build/tools/ganforge" gpu-resources --flagged | sed 's/^/  /'

# The SIMT emulator's tests and the cpu GEMM's again under AddressSanitizer + UBSan (kernel
# accesses past a device buffer, the planted out-of-bounds write, a GEMM path reading past an
# operand), built for AVX2 without AVX-512 (-march=haswell), so the portable GEMM tiles are
# tested too: a second, small build of those targets.
asan="${GANFORGE_ASAN_BUILD_DIR:-$root/build-asan}"
if [[ ! -f "$asan/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DGANFORGE_CUDA=OFF -DGANFORGE_BUILD_BENCH=OFF \
        -DGANFORGE_NATIVE=OFF \
        -DCMAKE_CXX_FLAGS="-O1 -march=haswell -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" >/dev/null
fi
cmake --build "$asan" --target test_cpu_gemm -j2
"$asan/tests/test_cpu_gemm" --gtest_brief=1
if ninja -C "$asan" -t targets all | grep -q '^test_simt:'; then  # absent without the CUDA headers
  cmake --build "$asan" --target test_simt -j2
  "$asan/tests/simt/test_simt" --gtest_brief=1
fi

# The data readers under libFuzzer (clang, ASan + UBSan): tests/gan/fuzz, built in build-fuzz/.
# Each target runs 30 s from its corpus (kept in build-fuzz/corpus/, seeded at build time); a
# crash, sanitizer report, leak, hang or huge allocation fails the run and names the input.
# A fixed -seed and run count make a fresh clone's run repeat the same inputs, so CI fails on
# a bug that is in the code, not on the luck of one run; fuzz longer by hand to explore (README).
fuzz="${GANFORGE_FUZZ_BUILD_DIR:-$root/build-fuzz}"
if [[ ! -f "$fuzz/CMakeCache.txt" ]]; then
  cmake -S "$root/tests/gan/fuzz" -B "$fuzz" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 >/dev/null
fi
cmake --build "$fuzz" -j2
# runs per target: about 30 s each here (the checkpoint targets 20-30 s); with -seed these are
# the same inputs on every fresh run
declare -A fuzz_runs=([fuzz_idx]=9000 [fuzz_cifar]=60000 [fuzz_image]=40000
                      [fuzz_safetensors]=40000 [fuzz_checkpoint_state]=150000 [fuzz_latest_checkpoint]=15000)
for target in fuzz_idx fuzz_cifar fuzz_image fuzz_safetensors fuzz_checkpoint_state fuzz_latest_checkpoint; do
  mkdir -p "$fuzz/corpus/$target" "$fuzz/findings"
  log="$fuzz/findings/$target.log"
  if "$fuzz/$target" -seed=1 -runs="${fuzz_runs[$target]}" -max_total_time=30 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
       -artifact_prefix="$fuzz/findings/$target-" "$fuzz/corpus/$target" "$fuzz/seeds/$target" >"$log" 2>&1; then
    echo "fuzz: $target: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions, no findings"
  else
    tail -n 40 "$log"
    echo "fuzz: $target FOUND A BUG; reproduce with: $fuzz/$target $(sed -n "s/.*Test unit written to //p" "$log")" >&2
    exit 1
  fi
done
