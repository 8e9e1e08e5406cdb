#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds with nvcc, runs the GPU tests (every primitive of the
# `cuda` backend against `reference`, in the backend consistency test), the same tests under
# compute-sanitizer memcheck where it is installed, then the kernel benchmarks, and prints a
# short table last. Each step has a time limit so the whole run stays under 8 minutes (H200).
#   tools/gpu-check.sh            # build dir: build-gpu/ (GANFORGE_GPU_BUILD_DIR overrides)
# cuDNN installed only as a Python package (nvidia-cudnn-cu12) is found and passed as CUDNN_ROOT.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_GPU_BUILD_DIR:-$root/build-gpu}"
log="$build/gpu-check-logs"
declare -a rows=()
row() { rows+=("$(printf '%-28s %-6s %s' "$1" "$2" "$3")"); }
seconds() { echo $((SECONDS - $1))s; }

if ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU visible (nvidia-smi -L failed); run this on a GPU machine" >&2
  exit 2
fi
gpu="$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)"

cudnn_root="${CUDNN_ROOT:-}"
if [[ -z "$cudnn_root" ]]; then
  cudnn_root="$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null || true)"
fi
arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)"

start=$SECONDS
mkdir -p "$log"
configure=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DGANFORGE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}")
[[ -n "$cudnn_root" ]] && configure+=(-DCUDNN_ROOT="$cudnn_root")
if timeout 60 cmake -S "$root" -B "$build" "${configure[@]}" >"$log/configure.txt" 2>&1 &&
   timeout 200 cmake --build "$build" -j"$(nproc)" --target test_kernels ganforge_bench ganforge_cli >"$log/build.txt" 2>&1; then
  row "build (nvcc, sm_${arch:-90})" ok "$(seconds $start)"
else
  row "build (nvcc, sm_${arch:-90})" FAIL "$(seconds $start), see $log/configure.txt and build.txt"
  printf '\n%s\n' "gpu-check on $gpu" "${rows[@]}"
  exit 1
fi

# The consistency test prints "primitive  backend:cases" lines; the cuda column is the GPU run.
tests=("$build/tests/test_kernels" "--gtest_filter=BackendConsistency.*")
start=$SECONDS
if timeout 60 "${tests[@]}" >"$log/tests.txt" 2>&1; then status=ok; else status=FAIL; fi
cuda_primitives="$(grep -c ' cuda:' "$log/tests.txt" || true)"
skipped="$(grep -m1 'backend cuda does not provide' "$log/tests.txt" | sed 's/.*provide://' || true)"
row "cuda vs reference" "$status" "$cuda_primitives primitives ran on the GPU, $(seconds $start)${skipped:+; not provided:$skipped}"
grep -q 'backend cuda: compiled in but cannot run' "$log/tests.txt" && row "cuda vs reference" FAIL "the GPU was not usable by the tests"

start=$SECONDS
sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)"
if [[ -n "$sanitizer" ]]; then
  if timeout 120 "$sanitizer" --tool memcheck --error-exitcode 3 "${tests[@]}" >"$log/memcheck.txt" 2>&1; then
    row "compute-sanitizer memcheck" ok "$(seconds $start)"
  else
    row "compute-sanitizer memcheck" FAIL "$(grep -m1 -E 'ERROR SUMMARY|Invalid' "$log/memcheck.txt"), see $log/memcheck.txt"
  fi
else
  row "compute-sanitizer memcheck" skip "compute-sanitizer not installed"
fi

start=$SECONDS
if timeout 45 "$build/bench/ganforge_bench" --benchmark_filter='cuda|cudnn' --benchmark_min_time=0.05 \
     --benchmark_format=console >"$log/bench.txt" 2>&1; then
  ran="$(grep -cE '^BM_' "$log/bench.txt" || true)"
  row "kernel benchmarks" ok "$ran runs, $(seconds $start), see $log/bench.txt"
else
  row "kernel benchmarks" FAIL "see $log/bench.txt"
fi

printf '\n%s\n' "gpu-check on $gpu${cudnn_root:+ (cuDNN: $cudnn_root)}"
printf '%s\n' "${rows[@]}"
grep -E '^BM_' "$log/bench.txt" 2>/dev/null | awk '{ printf "  %-60s %s %s\n", $1, $2, $3 }' | head -20
printf '%s\n' "${rows[@]}" | grep -q ' FAIL ' && exit 1
exit 0
