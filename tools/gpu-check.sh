#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds with nvcc, runs the GPU tests (every primitive of the
# `cuda` and `cudnn` backends against `reference`, in the backend consistency test, and the
# convolutions and GEMM again in the tf32 and bf16 math modes: the tensor-core kernels), the same
# tests under compute-sanitizer memcheck where it is installed (cuda only: it checks GANForge's
# own kernels), then the kernel benchmarks when bench/ has any for cuda or cudnn, once per math
# mode (fp32, tf32, bf16: per layer ours against cuDNN in the same mode, and the DCGAN-64 step),
# one epoch of DCGAN-MNIST in each mode with its Fréchet distance (when MNIST is cached), NCCL's
# collectives and a data-parallel DCGAN-MNIST run over every GPU (with mpirun), and prints a
# short table last: one row per step, then per backend one row per primitive (cases passed on the
# GPU of those run, the first mismatch of a failing one), then the cudnn backend's report: per
# primitive the calls cuDNN ran and those that fell through to cuda (with the last reason), and
# per convolution graph the engine timing chose beside the heuristics' first pick. Each step has a
# time limit, and all of them together 8 minutes (a step gets what is left of them, and is
# skipped when nothing is), so that a hung step cannot hold the GPU machine.
#   tools/gpu-check.sh            # build dir: build-gpu/ (GANFORGE_GPU_BUILD_DIR overrides)
# cuDNN installed only as a Python package (nvidia-cudnn-cu12) is found and passed as CUDNN_ROOT.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_GPU_BUILD_DIR:-$root/build-gpu}"
log="$build/gpu-check-logs"
declare -a rows=()
row() { rows+=("$(printf '%-28s %-6s %s' "$1" "$2" "$3")"); }
seconds() { echo $((SECONDS - $1))s; }
deadline=$((SECONDS + 480))
# A step's time limit: its own, or what is left of the 8 minutes (0 when nothing is).
limit() { local left=$((deadline - SECONDS)); ((left < 0)) && left=0; echo $((left < $1 ? left : $1)); }

# Per-primitive rows for backend $2 (cuda, cudnn) from the consistency test's output $1: its table
# "  <primitive>  <backend>:<cases passed> ..." (reference runs every case of a primitive) and
# its failure messages, which start with "<backend> <primitive> <case label>: " (a primitive the
# backend lacks fails its cases with "does not provide the primitive").
primitive_rows() {
  awk -v backend="$2" '
    $1 == backend && / [^ ]+ .*: / && !($2 in first_failure) { first_failure[$2] = substr($0, length(backend " " $2 " ") + 1, 110) }
    /^primitive x backend: cases passed/ { table = 1; next }
    table && /^  [^ ]/ {
      total = 0; passed = 0
      for (i = 2; i <= NF; ++i) {
        split($i, kv, ":")
        if (kv[1] == "reference") total = kv[2]
        if (kv[1] == backend) passed = kv[2]
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
nvcc="$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)"
installed=""  # a cuDNN beside CUDA or in the system, which CMake finds itself
for header in "$(dirname "$(dirname "$nvcc")")/include/cudnn_graph.h" /usr/include/cudnn_graph.h /usr/include/*-linux-gnu/cudnn_graph.h; do
  [[ -f "$header" ]] && installed="$header"
done
if [[ -z "$cudnn_root" && -z "$installed" ]]; then
  cudnn_root="$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null || true)"
fi
arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d .)"

start=$SECONDS
mkdir -p "$log"
rm -f "$log"/*.txt  # no stale results from an earlier run
configure=(-G Ninja -DCMAKE_BUILD_TYPE=Release -DGANFORGE_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES="${arch:-90}")
[[ -n "$cudnn_root" ]] && configure+=(-DCUDNN_ROOT="$cudnn_root")
if timeout 30 cmake -S "$root" -B "$build" "${configure[@]}" >"$log/configure.txt" 2>&1 &&
   timeout "$(limit 180)" cmake --build "$build" -j"$(nproc)" --target test_kernels test_dist ganforge_cli >"$log/build.txt" 2>&1; then
  row "build (nvcc, sm_${arch:-90})" ok "$(seconds $start)"
else
  row "build (nvcc, sm_${arch:-90})" FAIL "$(seconds $start), see $log/configure.txt and build.txt"
  printf '\n%s\n' "gpu-check on $gpu" "${rows[@]}"
  exit 1
fi

# ptxas's resources of the kernels just built (core/gpu_resources.h): those that spill or fall
# under 25% occupancy at 256 threads a block are listed at the end.
"$build/tools/ganforge" gpu-resources --flagged >"$log/gpu-resources.txt" 2>&1
row "kernel resources (ptxas)" info "$(tail -1 "$log/gpu-resources.txt"), see $log/gpu-resources.txt"

# The consistency test prints "primitive  backend:cases" lines; the cuda and cudnn columns are the
# GPU runs. cudnn's first call of each convolution shape times cuDNN's candidate plans, and batch
# norm and activations may compile kernels at run time (NVRTC): the step may take longer than
# the cuda run alone. GANFORGE_CUDNN_REPORT makes the process print the cudnn report at its exit.
tests=("$build/tests/test_kernels" "--gtest_filter=BackendConsistency.*")
start=$SECONDS
GANFORGE_CUDNN_REPORT=1 timeout "$(limit 180)" "${tests[@]}" >"$log/tests.txt" 2>&1
declare -A primitives=()
for backend in cuda cudnn; do
  p="$(primitive_rows "$log/tests.txt" "$backend")"
  ok_count="$(grep -c ' ok ' <<<"$p" || true)"
  fail_count="$(grep -c ' FAIL ' <<<"$p" || true)"
  if [[ $backend == cudnn ]] && ! grep -q 'cuDNN ON' "$log/configure.txt"; then
    row "cudnn vs reference" skip "not built: $(grep -m1 -o 'no cudnn backend: .*' "$log/configure.txt" || echo 'see configure.txt')"
    p=""
  elif grep -q "backend $backend: compiled in but cannot run" "$log/tests.txt"; then
    row "$backend vs reference" FAIL "the GPU was not usable by the $backend backend"
    p=""
  elif [[ -z "$p" ]]; then
    row "$backend vs reference" FAIL "no results table (crashed or timed out after $(seconds $start)), see $log/tests.txt"
  else
    row "$backend vs reference" "$( ((fail_count)) && echo FAIL || echo ok)" "$ok_count primitives ok, $fail_count failed, $(seconds $start)"
  fi
  primitives[$backend]="$p"
done
# The tensor-core math modes: "<backend> <math>: <passed> of <cases> cases passed" per backend and mode.
for backend in cuda cudnn; do
  for math in tf32 bf16; do
    line="$(grep -m1 "^$backend $math: " "$log/tests.txt" || true)"
    if [[ $backend == cudnn && $math == bf16 ]]; then
      continue  # cudnn refuses bf16 (kernels/vendor/cudnn_backend.h); the test checks that it says so
    elif [[ -z "$line" ]]; then
      [[ -n "${primitives[$backend]}" ]] && row "$backend $math vs reference" FAIL "no result line, see $log/tests.txt"
    else
      passed="$(sed -E 's/.*: ([0-9]+) of ([0-9]+) cases.*/\1/' <<<"$line")"
      total="$(sed -E 's/.*: ([0-9]+) of ([0-9]+) cases.*/\2/' <<<"$line")"
      row "$backend $math vs reference" "$( [[ $passed == "$total" ]] && echo ok || echo FAIL)" "$passed/$total conv and GEMM cases"
    fi
  done
done
cudnn_report="$(grep -E '^cudnn (primitive |engines: |engine )' "$log/tests.txt" || true)"
if [[ -n "$cudnn_report" ]]; then
  fell_through="$(grep '^cudnn primitive ' <<<"$cudnn_report" | sed -E 's/.* on cuDNN, ([0-9]+) fell through.*/\1/' |
                  awk '{ sum += $1 } END { print sum + 0 }')"
  row "cudnn fall-throughs" info "$fell_through calls ran on cuda instead (per primitive below)"
fi

start=$SECONDS
sanitizer="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || true)"
if [[ -n "$sanitizer" ]]; then
  if [[ "$(limit 120)" -lt 10 ]]; then
    row "compute-sanitizer memcheck" skip "no time left of the 8 minutes"
  elif GANFORGE_CUDNN_DISABLE=1 timeout "$(limit 120)" "$sanitizer" --tool memcheck --error-exitcode 3 "${tests[@]}" \
       >"$log/memcheck.txt" 2>&1; then
    row "compute-sanitizer memcheck" ok "$(seconds $start)"
  else
    row "compute-sanitizer memcheck" FAIL "$(grep -m1 -E 'ERROR SUMMARY|Invalid' "$log/memcheck.txt"), see $log/memcheck.txt"
  fi
else
  row "compute-sanitizer memcheck" skip "compute-sanitizer not installed"
fi

# Benchmarks of the GPU backends, if bench/ has any (and Google Benchmark was found), once per
# math mode: fp32 over every convolution pass of DCGAN-64 and DCGAN-MNIST at batch 64, tf32 and
# bf16 over DCGAN-64's (cudnn skips bf16, which it refuses), each with the DCGAN-64 training
# step; per mode the cuda : cudnn table of bench/report.py.
start=$SECONDS
bench="$build/bench/ganforge_bench"
declare -A filters=(
  [fp32]='^layer/(dcgan64|dcgan-mnist)/conv[^/]*/[^/]+/batch:64/(cuda|cudnn)/|^train_step/dcgan64/(cuda|cudnn)/'
  [tf32]='^layer/dcgan64/conv[^/]*/[^/]+/batch:64/(cuda|cudnn)/|^train_step/dcgan64/(cuda|cudnn)/'
  [bf16]='^layer/dcgan64/conv[^/]*/[^/]+/batch:64/cuda/|^train_step/dcgan64/cuda/'
)
declare -A limits=([fp32]=90 [tf32]=60 [bf16]=45)
declare -A listed=()
if [[ "$(limit 90)" -lt 20 ]]; then
  row "kernel benchmarks" skip "no time left of the 8 minutes"
elif ! timeout "$(limit 30)" cmake --build "$build" -j"$(nproc)" --target ganforge_bench >"$log/bench-build.txt" 2>&1; then
  row "kernel benchmarks" skip "ganforge_bench did not build (no Google Benchmark?), see $log/bench-build.txt"
else
  for math in fp32 tf32 bf16; do
    filter="${filters[$math]}"
    start=$SECONDS
    if [[ "$(limit "${limits[$math]}")" -lt 20 ]]; then
      row "kernel benchmarks ($math)" skip "no time left of the 8 minutes"
    elif ! listed[$math]="$(timeout 10 "$bench" --benchmark_list_tests=true --benchmark_filter="$filter" 2>/dev/null)" ||
         [[ -z "${listed[$math]}" ]]; then
      row "kernel benchmarks ($math)" skip "bench/ has no benchmark matching '$filter'"
    elif timeout "$(limit "${limits[$math]}")" "$bench" --math="$math" --benchmark_filter="$filter" --benchmark_min_time=0.05 \
           --benchmark_out="$log/bench-$math.json" --benchmark_out_format=json --benchmark_format=console \
           >"$log/bench-$math.txt" 2>&1; then
      row "kernel benchmarks ($math)" ok "$(wc -l <<<"${listed[$math]}") runs, $(seconds $start), see $log/bench-$math.txt"
      # the tables need only python3; the chart also matplotlib, which a bare GPU machine may lack
      if python3 "$root/bench/report.py" "$log/bench-$math.json" --out "$log/results-gpu-$math.md" >"$log/report-$math.txt" 2>&1; then
        python3 "$root/bench/report.py" "$log/bench-$math.json" --chart "$log/ratios-gpu-$math.png" >/dev/null \
          2>>"$log/report-$math.txt" && chart=", chart $log/ratios-gpu-$math.png" || chart=" (no chart: see $log/report-$math.txt)"
        row "cuda : cudnn tables ($math)" ok "$log/results-gpu-$math.md$chart"
      else
        row "cuda : cudnn tables ($math)" FAIL "bench/report.py failed, see $log/report-$math.txt"
      fi
      # The whole DCGAN-64 training step (batch 64), from bench/bench_train_step.cpp.
      while read -r name time unit _; do
        row "DCGAN-64 step (${name##*/}, $math)" ok "$time $unit a step of 64 images"
      done < <(grep -E '^train_step/dcgan64/cud' "$log/bench-$math.txt" | sed 's#/real_time##' | awk '{ print $1, $2, $3 }')
    else
      row "kernel benchmarks ($math)" FAIL "see $log/bench-$math.txt"
    fi
  done
fi

# Sample quality per math mode: one epoch of DCGAN-MNIST (937 steps of 64) on cuda in each mode,
# judged by `ganforge eval` (2,000 images; Fréchet distance in the MNIST classifier's features),
# when MNIST is in the data cache (GANFORGE_DATA_CACHE; the GPU machine has no network).
ganforge="$build/tools/ganforge"
for math in fp32 tf32 bf16; do
  start=$SECONDS
  out="$build/gpu-check-runs/dcgan-mnist-$math"
  rm -rf "$out"
  if [[ "$(limit 60)" -lt 30 ]]; then
    row "DCGAN-MNIST epoch ($math)" skip "no time left of the 8 minutes"
  elif ! timeout 10 "$ganforge" train dcgan --data mnist --steps 1 --out "$out-probe" >"$log/quality-probe.txt" 2>&1; then
    row "DCGAN-MNIST epoch ($math)" skip "no MNIST here: $(tail -1 "$log/quality-probe.txt" | cut -c1-100)"
  elif timeout "$(limit 60)" "$ganforge" train dcgan --data mnist --epochs 1 --device cuda --math "$math" --out "$out" \
         >"$log/quality-$math.txt" 2>&1 &&
       timeout "$(limit 30)" "$ganforge" eval "$out" --n 2000 --device cuda >"$log/quality-eval-$math.txt" 2>&1; then
    row "DCGAN-MNIST epoch ($math)" ok "$(awk '$1 == "frechet_distance" { print "Fréchet distance " $2 " (real data " $3 ")" }' \
      "$log/quality-eval-$math.txt"), $(seconds $start)"
  else
    row "DCGAN-MNIST epoch ($math)" FAIL "see $log/quality-$math.txt and quality-eval-$math.txt"
  fi
  rm -rf "$out-probe"
done

# Data-parallel training on NCCL, one rank per GPU (one GPU is enough for the collectives' test):
# NCCL's sum and broadcast of CUDA tensors, then, with two GPUs or more and MNIST cached, 100
# steps of DCGAN-MNIST on every GPU with its images/s and the all-reduce's share.
gpus="$(nvidia-smi --query-gpu=name --format=csv,noheader | wc -l)"
mpirun=(mpirun --oversubscribe --bind-to none -np "$gpus")
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # GPU machines run this as root
start=$SECONDS
if ! command -v mpirun >/dev/null; then
  row "NCCL collectives ($gpus ranks)" skip "no mpirun (apt-get install openmpi-bin libopenmpi-dev)"
elif timeout "$(limit 60)" "${mpirun[@]}" "$build/tests/dist/test_dist" --gtest_filter='Nccl.*' --gtest_color=no >"$log/nccl.txt" 2>&1 &&
     grep -q '^\[  PASSED  \] 1 test' "$log/nccl.txt"; then
  row "NCCL collectives ($gpus ranks)" ok "$(seconds $start)"
else
  row "NCCL collectives ($gpus ranks)" FAIL "see $log/nccl.txt"
fi
if ((gpus >= 2)) && [[ "$(limit 60)" -ge 30 ]] && command -v mpirun >/dev/null; then
  start=$SECONDS
  rm -rf "$build/gpu-check-runs/dcgan-mnist-ranks"{,-probe}
  if ! timeout 10 "$ganforge" train dcgan --data mnist --steps 1 --out "$build/gpu-check-runs/dcgan-mnist-ranks-probe" \
       >/dev/null 2>&1; then
    row "DCGAN-MNIST on $gpus GPUs (nccl)" skip "no MNIST here"
  elif timeout "$(limit 60)" "${mpirun[@]}" "$ganforge" train dcgan --data mnist --device cuda --steps 100 --log-every 100 \
       --out "$build/gpu-check-runs/dcgan-mnist-ranks" >"$log/data-parallel.txt" 2>&1; then
    row "DCGAN-MNIST on $gpus GPUs (nccl)" ok "$(grep -o '[0-9.]* img/s' "$log/data-parallel.txt" | tail -1); $(grep -o 'all-reduce over .*' "$log/data-parallel.txt" | cut -c1-120)"
  else
    row "DCGAN-MNIST on $gpus GPUs (nccl)" FAIL "see $log/data-parallel.txt"
  fi
fi

for math in fp32 tf32 bf16; do
  [[ -f "$log/results-gpu-$math.md" ]] && { echo "math mode $math:"; cat "$log/results-gpu-$math.md"; }
done
printf '\n%s\n' "gpu-check on $gpu (cuDNN: ${cudnn_root:-${installed:-none found}})"
printf '%s\n' "${rows[@]}"
for backend in cuda cudnn; do
  if [[ -n "${primitives[$backend]}" ]]; then
    echo "$backend vs reference, per primitive (cases passed of those run):"
    printf '%s\n' "${primitives[$backend]}"
  fi
done
if [[ -n "$cudnn_report" ]]; then
  echo "cudnn backend: calls run on cuDNN / cuBLAS and calls that fell through to cuda, per primitive:"
  grep '^cudnn primitive ' <<<"$cudnn_report" | sed 's/^cudnn primitive /  /' | cut -c1-220
  grep '^cudnn engines: ' <<<"$cudnn_report" | sed 's/^cudnn engines: /cudnn convolution engines (timed choice vs the heuristics) over /'
  grep '^cudnn engine ' <<<"$cudnn_report" | sed 's/^cudnn engine /  /' | head -40
  echo "  (every graph in $log/tests.txt)"
fi
if grep -qv ' 0 of ' <(tail -1 "$log/gpu-resources.txt"); then
  echo "kernels flagged by ptxas's resources (spills, or occupancy under 25% at 256 threads):"
  sed -n '2,$p' "$log/gpu-resources.txt"
fi
for math in fp32 tf32 bf16; do
  if [[ -f "$log/bench-$math.txt" && -n "${listed[$math]:-}" ]]; then
    echo "benchmarks, math $math:"
    grep -F -f <(printf '%s\n' "${listed[$math]}") "$log/bench-$math.txt" | awk '{ printf "  %-60s %s %s\n", $1, $2, $3 }' | head -80
  fi
done
printf '%s\n' "${rows[@]}" | grep -q ' FAIL ' && exit 1
exit 0
