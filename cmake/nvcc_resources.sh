#!/usr/bin/env bash
# Compiler launcher for nvcc (CMAKE_CUDA_COMPILER_LAUNCHER, before ccache): runs the compile,
# which has --resource-usage on its command line, keeps ptxas's per-kernel lines (registers,
# barriers, shared memory, stack, spills, for each target architecture) in <object>.resources
# for cmake/gpu_resources_table.cmake, and passes every other line of stderr through. ccache
# replays a cached compile's stderr, so a cache hit writes the same file.
set -uo pipefail
object=""
args=("$@")
for ((i = 0; i + 1 < ${#args[@]}; ++i)); do
  [[ "${args[i]}" == "-o" ]] && object="${args[i + 1]}"
done
stderr_file="$(mktemp)"
trap 'rm -f "$stderr_file"' EXIT
"$@" 2>"$stderr_file"
status=$?
grep -v -e '^ptxas info' -e '^ *[0-9]* bytes stack frame' "$stderr_file" >&2
if [[ $status -eq 0 && -n "$object" ]]; then
  # grep's status 1 (no kernels in this file) leaves an empty report, which is right
  grep -e '^ptxas info' -e '^ *[0-9]* bytes stack frame' "$stderr_file" >"$object.resources.tmp"
  mv -f "$object.resources.tmp" "$object.resources" || exit 1
fi
exit $status
