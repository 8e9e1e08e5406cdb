#!/usr/bin/env bash
# The main job, from nothing: install what is missing, build, and train. Until the GAN
# module lands this trains a small MLP with the engine and prints its loss falling.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup.sh"
"${GANFORGE_BUILD_DIR:-$root/build}/tools/ganforge" demo "$@"
