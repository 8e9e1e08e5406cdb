#!/usr/bin/env bash
# Builds GANForge (installing what is missing) and runs the whole test suite in parallel.
# CI runs exactly this (.ci/run).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_BUILD_DIR:-$root/build}"
"$root/tools/setup.sh"
ctest --test-dir "$build" -j"$(nproc)" --output-on-failure "$@"
