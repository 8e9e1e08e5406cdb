#!/usr/bin/env bash
# Sample quality in each math mode: DCGAN-MNIST trained EPOCHS epochs per seed in fp32, tf32
# and bf16 (the same seeds in every mode), each run scored by `ganforge eval` on N images
# (Fréchet distance in the MNIST classifier's features, inception score). On the CPU the tf32
# and bf16 modes round the convolutions' operands as the tensor cores do (kernels/math_mode.h),
# so the table says what the modes do to training without a GPU; on a GPU pass DEVICE=cuda.
# Prints a Markdown table for bench/RESULTS.md.
# Usage: bench/math_modes_quality.sh [SEEDS] [EPOCHS] [N]   (default "1 2 3", 1, 10000)
# Environment: MODES (default "fp32 tf32 bf16"), DEVICE (default cpu), GANFORGE_NUM_THREADS.
# Needs MNIST (tools/fetch-data.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ganforge="${GANFORGE_BUILD_DIR:-$root/build}/tools/ganforge"
seeds="${1:-1 2 3}"
epochs="${2:-1}"
images="${3:-10000}"
device="${DEVICE:-cpu}"
modes="${MODES:-fp32 tf32 bf16}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# A value of `ganforge eval`'s table, its row's first number, to DIGITS decimals.
metric() { awk -v name="$2" -v digits="$3" '$1 == name { printf "%.*f", digits, $2; exit }' "$1"; }

echo "DCGAN-MNIST, $epochs epoch(s) of batch 64 on $device, $("$ganforge" info | awk '/^ *cpu: / { sub(/^ *cpu: /, ""); print; exit }')"
echo
echo "| math | seed | Fréchet distance | inception score | training |"
echo "| --- | ---: | ---: | ---: | ---: |"
declare -A distances
for math in $modes; do
  for seed in $seeds; do
    out="$scratch/$math-$seed"
    start=$SECONDS
    if ! "$ganforge" train dcgan --data mnist --epochs "$epochs" --seed "$seed" --math "$math" --device "$device" \
      --out "$out" >"$out.train.txt" 2>&1; then
      echo "training failed ($math, seed $seed):" >&2
      tail -5 "$out.train.txt" >&2
      exit 1
    fi
    seconds=$((SECONDS - start))
    "$ganforge" eval "$out" --n "$images" --device "$device" >"$out.eval.txt"
    fd="$(metric "$out.eval.txt" frechet_distance 1)"
    distances[$math]+="$fd "
    echo "| $math | $seed | $fd | $(metric "$out.eval.txt" inception_score 2) | ${seconds} s |"
  done
done
echo
echo "| math | Fréchet distance: mean (min - max) over the seeds |"
echo "| --- | --- |"
for math in $modes; do
  echo "| $math | $(tr ' ' '\n' <<<"${distances[$math]}" | awk 'NF { s += $1; n++; if (n == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
    END { printf "%.1f (%.1f - %.1f)", s / n, lo, hi }') |"
done
