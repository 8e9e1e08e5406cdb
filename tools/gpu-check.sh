#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds with nvcc, runs the GPU tests (every primitive of the
# `cuda` backend against `reference`, in the backend consistency test), the same tests under
# compute-sanitizer memcheck where it is installed, then the kernel benchmarks when bench/ has
# any for cuda or cudnn, and prints a short table last: one row per step, then one row per
# primitive (cases passed on the GPU of those run, the first mismatch of a failing one). Each
# step has a time limit, 8 minutes in all, so that a hung step cannot hold the GPU machine.
#   tools/gpu-check.sh            # build dir: build-gpu/ (GANFORGE_GPU_BUILD_DIR overrides)
# cuDNN installed only as a Python package (nvidia-cudnn-cu12) is found and passed as CUDNN_ROOT.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_GPU_BUILD_DIR:-$root/build-gpu}"
log="$build/gpu-check-logs"
declare -a rows=()
row() { rows+=("$(printf '%-28s %-6s %s' "$1" "$2" "$3")"); }
seconds() { echo $((SECONDS - $1))s; }

# Per-primitive rows for the cuda backend from the consistency test's output: its table
# "  <primitive>  <backend>:<cases passed> ..." (reference runs every case of a primitive) and
# its failure messages, which start with "cuda <primitive> <case label>: " (a primitive the
# backend lacks fails its cases with "does not provide the primitive").
primitive_rows() {
  awk '
    /^cuda [^ ]+ .*: / && !($2 in first_failure) { first_failure[$2] = substr($0, length("cuda " $2 " ") + 1, 110) }
    /^primitive x backend: cases passed/ { table = 1; next }
    table && /^  [^ ]/ {
      total = 0; passed = 0
      for (i = 2; i <= NF; ++i) {
        split($i, kv, ":")
        if (kv[1] == "reference") total = kv[2]
        if (kv[1] == "cuda") passed = kv[2]
      }
      names[++count] = $1; totals[$1] = total; passes[$1] = passed
      next
    }
    table { table = 0 }
    END {
      for (k = 1; k <= count; ++k) {
        p = names[k]
        status = passes[p] == totals[p] ? "ok" : "FAIL"
        detail = passes[p] "/" totals[p] " cases"
        if (status == "FAIL" && (p in first_failure)) detail = detail "; " first_failure[p]
        printf "  %-40s %-6s %s\n", p, status, detail
      }
    }' "$1"
}

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
rm -f "$log"/*.txt  # no stale results from an earlier run
configure=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DGANFORGE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}")
[[ -n "$cudnn_root" ]] && configure+=(-DCUDNN_ROOT="$cudnn_root")
if timeout 30 cmake -S "$root" -B "$build" "${configure[@]}" >"$log/configure.txt" 2>&1 &&
   timeout 180 cmake --build "$build" -j"$(nproc)" --target test_kernels ganforge_cli >"$log/build.txt" 2>&1; then
  row "build (nvcc, sm_${arch:-90})" ok "$(seconds $start)"
else
  row "build (nvcc, sm_${arch:-90})" FAIL "$(seconds $start), see $log/configure.txt and build.txt"
  printf '\n%s\n' "gpu-check on $gpu" "${rows[@]}"
  exit 1
fi

# The consistency test prints "primitive  backend:cases" lines; the cuda column is the GPU run.
tests=("$build/tests/test_kernels" "--gtest_filter=BackendConsistency.*")
start=$SECONDS
if timeout 90 "${tests[@]}" >"$log/tests.txt" 2>&1; then status=ok; else status=FAIL; fi
primitives="$(primitive_rows "$log/tests.txt")"
ok_count="$(grep -c ' ok ' <<<"$primitives" || true)"
fail_count="$(grep -c ' FAIL ' <<<"$primitives" || true)"
absent_count="$(grep -c ' absent ' <<<"$primitives" || true)"
[[ "$fail_count" -gt 0 ]] && status=FAIL
if [[ -z "$primitives" ]]; then
  row "cuda vs reference" FAIL "no results table (crashed or timed out after $(seconds $start)), see $log/tests.txt"
else
  row "cuda vs reference" "$status" "$ok_count primitives ok, $fail_count failed, $absent_count not provided, $(seconds $start)"
fi
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

# Benchmarks of the GPU backends, if bench/ has any (and Google Benchmark was found).
start=$SECONDS
bench="$build/bench/ganforge_bench"
filter='cuda|cudnn'
listed=""
if ! timeout 30 cmake --build "$build" -j"$(nproc)" --target ganforge_bench >"$log/bench-build.txt" 2>&1; then
  row "kernel benchmarks" skip "ganforge_bench did not build (no Google Benchmark?), see $log/bench-build.txt"
elif ! listed="$(timeout 10 "$bench" --benchmark_list_tests=true --benchmark_filter="$filter" 2>/dev/null)" ||
     [[ -z "$listed" ]]; then
  row "kernel benchmarks" skip "bench/ has no benchmark matching '$filter'"
elif timeout 90 "$bench" --benchmark_filter="$filter" --benchmark_min_time=0.05 \
       --benchmark_format=console >"$log/bench.txt" 2>&1; then
  row "kernel benchmarks" ok "$(wc -l <<<"$listed") runs, $(seconds $start), see $log/bench.txt"
  # The whole DCGAN-64 training step (batch 64), from bench/bench_train_step.cpp.
  while read -r name time unit _; do
    row "DCGAN-64 step (${name##*/})" ok "$time $unit a step of 64 images"
  done < <(grep -E '^train_step/dcgan64/cud' "$log/bench.txt" | sed 's#/real_time##' | awk '{ print $1, $2, $3 }')
else
  row "kernel benchmarks" FAIL "see $log/bench.txt"
fi

printf '\n%s\n' "gpu-check on $gpu${cudnn_root:+ (cuDNN: $cudnn_root)}"
printf '%s\n' "${rows[@]}"
if [[ -n "$primitives" ]]; then
  echo "cuda vs reference, per primitive (cases passed of those run; absent = cuda lacks it):"
  printf '%s\n' "$primitives"
fi
if [[ -f "$log/bench.txt" ]]; then
  grep -F -f <(printf '%s\n' "$listed") "$log/bench.txt" | awk '{ printf "  %-60s %s %s\n", $1, $2, $3 }' | head -80
fi
printf '%s\n' "${rows[@]}" | grep -q ' FAIL ' && exit 1
exit 0
