#!/usr/bin/env bash
# Installs the Debian packages GANForge needs (only those missing), then configures and
# builds it in build/ (reused on later runs; ccache keeps rebuilds fast).
# As root it runs apt-get itself; otherwise it prints the exact command and stops.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${GANFORGE_BUILD_DIR:-$root/build}"
# ccache hits across clones in different folders (CI builds a fresh clone elsewhere)
export CCACHE_BASEDIR="$root"

packages=(g++ cmake ninja-build ccache pkg-config libeigen3-dev libgtest-dev libgmock-dev libbenchmark-dev libdnnl-dev libboost-context-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "setup: installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: GANForge needs these Debian packages: ${missing[*]}" >&2
    echo "setup: install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j"$(nproc)"
