#!/usr/bin/env bash
# Runs the gdb session of docs/tour/05-implicit-gemm.md on PROGRAM and checks what it shows:
# thread 5 of block 1 stopped in conv_naive, at output 133 (ow 3, oh 3, filter 1, sample 0).
# Exits 77 (skipped) where gdb is not installed.
set -uo pipefail
program="$1"
command -v gdb >/dev/null || { echo "gdb is not installed: apt-get install gdb"; exit 77; }
out="$(gdb -batch -ex 'break conv_naive if threadIdx.x == 5 && blockIdx.x == 1' -ex run -ex 'next 4' \
    -ex 'p threadIdx' -ex 'p blockIdx' -ex 'p index' -ex 'p ow' -ex 'p oh' -ex 'p k' -ex 'p n' \
    -ex next "$program" 2>&1)"
expected='$1 = {x = 5, y = 0, z = 0}
$2 = {x = 1, y = 0, z = 0}
$3 = 133
$4 = 3
$5 = 3
$6 = 1
$7 = 0'
if ! grep -qF "hit Breakpoint 1, conv_naive" <<<"$out" || [[ "$(grep '^\$[0-9]' <<<"$out")" != "$expected" ]]; then
  echo "the gdb session did not show what docs/tour/05-implicit-gemm.md shows:"
  echo "$out"
  exit 1
fi
