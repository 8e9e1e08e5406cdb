#!/usr/bin/env bash
# The main job, from nothing: install what is missing, build, and train DCGAN on MNIST for one
# epoch on the CPU (a few minutes on 2 cores), leaving sample sheets in runs/dcgan-mnist/samples.
# Extra flags go to `ganforge train` (e.g. --epochs 5, --device cuda).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/tools/setup.sh"
"${GANFORGE_BUILD_DIR:-$root/build}/tools/ganforge" train dcgan --data mnist --epochs 1 --out runs/dcgan-mnist "$@"
