#!/usr/bin/env bash
# Data-parallel scaling on this machine: images/s of DCGAN-MNIST and CycleGAN trained by one
# process (one thread, then every core's threads) and by mpirun ranks of one thread each, with the
# all-reduce's share; prints a Markdown table for bench/RESULTS.md. Each run trains STEPS steps
# (the rate is the progress line's moving average at the last step, images of the whole job a
# second). Usage: bench/data_parallel.sh [STEPS] (default 60); needs MNIST and horse2zebra
# (tools/fetch-data.sh) and a build with MPI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ganforge="${GANFORGE_BUILD_DIR:-$root/build}/tools/ganforge"
steps="${1:-60}"
cores="$(nproc)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# OpenMPI refuses root unless told (as in the tests); harmless for other users.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1

# name | `ganforge train` flags without --batch | the per-process batch
models=(
  "DCGAN-MNIST|dcgan --data mnist|64"
  "CycleGAN 64 px (horse2zebra, ngf 16)|cyclegan --data horse2zebra --image-size 64 --ngf 16 --ndf 32 --limit 200|1"
)

# The last logged rate of a run folder's log.jsonl.
rate() { tail -n 1 "$1/log.jsonl" | sed -E 's/.*"images_per_s":([0-9.eE+-]+).*/\1/'; }

echo "| model | processes x threads | batch a rank (global) | images/s | all-reduce a step | share of the step |"
echo "| --- | --- | --- | ---: | --- | ---: |"
run=0
for entry in "${models[@]}"; do
  IFS='|' read -r name flags batch <<<"$entry"
  # processes, threads each, batch a rank: one process; ranks sharing its global batch (when it
  # splits) and ranks of its batch each
  shapes=("1 1 $batch" "1 $cores $batch")
  ((batch % cores == 0)) && shapes+=("$cores 1 $((batch / cores))")
  shapes+=("$cores 1 $batch")
  for shape in "${shapes[@]}"; do
    read -r ranks threads per_rank <<<"$shape"
    out="$scratch/run$((run++))"
    args=(train $flags --batch "$per_rank" --steps "$steps" --log-every "$steps" --workers 1 --out "$out")
    if ((ranks == 1)); then
      log="$(GANFORGE_NUM_THREADS=$threads OMP_NUM_THREADS=$threads "$ganforge" "${args[@]}" 2>&1)"
    else
      log="$(mpirun --oversubscribe --bind-to none -np "$ranks" -x GANFORGE_NUM_THREADS=1 -x OMP_NUM_THREADS=1 \
             "$ganforge" "${args[@]}" 2>&1)"
    fi
    reduce="-"
    share="-"
    if summary="$(grep -o 'all-reduce over .*' <<<"$log")"; then
      reduce="$(sed -E 's/.*\): ([0-9.]+ MB) a step in ([0-9]+) buckets, ([0-9.]+ ms) a step.*/\1 in \2 buckets, \3/' <<<"$summary")"
      share="$(sed -E 's/.*\(([0-9.]+%) of its training time\).*/\1/' <<<"$summary")"
    fi
    printf "| %s | %d x %d | %d (%d) | %.1f | %s | %s |\n" "$name" "$ranks" "$threads" "$per_rank" "$((ranks * per_rank))" \
      "$(rate "$out")" "$reduce" "$share"
  done
done
